/**
 * The local pipeline with `--engine lambda`: the sessionizer Lambda gets the stream's GetRecords
 * batches as Kinesis events (two shards, one batch per shard at a time) and keeps its window state
 * in dynalite. For one clickstream, its sessions table must equal the kda-sql local pipeline's and
 * the harness replay's.
 */
import { expect } from "chai";
import { replayLines } from "../../harness/index";
import { runLocalPipeline, type LocalPipelineOptions } from "../../harness/local/pipeline";
import type { SessionItem } from "../../harness/local/summary";
import { labClickStream, type ClickStreamOptions } from "../../harness/simulator/clickGenerator";
import { simulate } from "../../harness/simulator/simulate";
import { MemorySink } from "../../harness/simulator/sinks";
import { readSessionizeSql } from "../../sql/inputSchema";

const clicks = (overrides: Partial<ClickStreamOptions> = {}): ClickStreamOptions => ({
  ...labClickStream,
  seed: 20260102,
  count: 400,
  startMs: Date.parse("2026-01-01T09:00:00Z"),
  ...overrides,
});

const run = (overrides: Partial<LocalPipelineOptions> = {}) =>
  runLocalPipeline({
    clicks: clicks(),
    shards: 2,
    deliveryIntervalMs: 50,
    drainTimeoutMs: 60_000,
    batchSize: 50,
    ...overrides,
  });

const sortedItems = (items: readonly SessionItem[]) =>
  [...items]
    .map((i) => ({ session_id: i.session_id, session_time: i.session_time, user_id: i.user_id }))
    .sort((a, b) => a.session_id.localeCompare(b.session_id));

/** The table replay predicts: one item per distinct non-null session_id, as the handler writes. */
async function replayedTable(stream: ClickStreamOptions): Promise<SessionItem[]> {
  const sink = new MemorySink();
  await simulate({ stream, sink });
  const items = new Map<string, SessionItem>();
  const lines = sink.records.map((record) => JSON.stringify(record));
  for (const row of replayLines(readSessionizeSql(), lines)) {
    if (typeof row.session_id !== "string") continue;
    items.set(row.session_id, {
      session_id: row.session_id,
      session_time: row.session_time as string,
      user_id: row.user_id as string,
    });
  }
  return sortedItems([...items.values()]);
}

describe("the local pipeline with engine lambda", () => {
  it("fills the same sessions table as the kda-sql local pipeline and the replay, and reconciles", async () => {
    // Act
    const lambda = await run({ pipelineEngine: "lambda" });
    const kdaSql = await run({ pipelineEngine: "kda-sql" });
    // Assess
    expect(lambda.summary.differences).to.deep.equal([]);
    expect(lambda.summary.reconciled).to.equal(true);
    expect(lambda.summary.invocations).to.be.greaterThan(2);
    expect(lambda.summary.tableItems).to.be.greaterThan(30);
    expect(sortedItems(lambda.sessions)).to.deep.equal(sortedItems(kdaSql.sessions));
    expect(sortedItems(lambda.sessions)).to.deep.equal(await replayedTable(clicks()));
  });

  it("still matches the replay when DynamoDB goes away mid-run and batches are retried", async () => {
    const result = await run({ pipelineEngine: "lambda", chaos: { seed: 7, outageMs: 500 } });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.chaos).to.include({ outages: 1 });
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(clicks()));
  });

  it("dead-letters the rows the SQL rejects, like the kda-sql engine", async () => {
    // INTERMEDIATE_SQL_STREAM declares device_type VARCHAR(10): longer values become error rows.
    const stream = clicks({ count: 200, devices: ["desktop", "smart-television"] });
    const result = await run({ pipelineEngine: "lambda", clicks: stream });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.errorRows).to.be.greaterThan(0);
    expect(result.summary.deadLetters).to.equal(result.summary.expectedDeadLetters);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(stream));
  });
});
