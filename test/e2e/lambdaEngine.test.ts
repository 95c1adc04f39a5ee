/**
 * The local pipeline with `--engine lambda`: the sessionizer Lambda gets the stream's GetRecords
 * batches as Kinesis events (two shards, one batch per shard at a time) and keeps its window state
 * in dynalite. For one clickstream, its sessions table must equal the kda-sql local pipeline's and
 * the harness replay's.
 */
import { expect } from "chai";
import { runLocalPipeline, type LocalPipelineOptions } from "../../harness/local/pipeline";
import type { ClickStreamOptions } from "../../harness/simulator/clickGenerator";
import { labClicks, replayedTable, sortedItems } from "../support/sessionsTable";

const clicks = (overrides: Partial<ClickStreamOptions> = {}): ClickStreamOptions =>
  labClicks(20260102, overrides);

const run = (overrides: Partial<LocalPipelineOptions> = {}) =>
  runLocalPipeline({
    clicks: clicks(),
    shards: 2,
    deliveryIntervalMs: 50,
    drainTimeoutMs: 60_000,
    batchSize: 50,
    ...overrides,
  });

describe("the local pipeline with engine lambda", () => {
  it("fills the same sessions table as the kda-sql local pipeline and the replay, and reconciles", async () => {
    // Act
    const lambda = await run({ engine: "lambda" });
    const kdaSql = await run({ engine: "kda-sql" });
    // Assess
    expect(lambda.summary.differences).to.deep.equal([]);
    expect(lambda.summary.reconciled).to.equal(true);
    expect(lambda.summary.invocations).to.be.greaterThan(2);
    expect(lambda.summary.tableItems).to.be.greaterThan(30);
    expect(sortedItems(lambda.sessions)).to.deep.equal(sortedItems(kdaSql.sessions));
    expect(sortedItems(lambda.sessions)).to.deep.equal(await replayedTable(clicks()));
  });

  it("still matches the replay when DynamoDB goes away mid-run and batches are retried", async () => {
    const result = await run({ engine: "lambda", chaos: { seed: 7, outageMs: 500 } });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.chaos).to.include({ outages: 1 });
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(clicks()));
  });

  it("dead-letters the rows the SQL rejects, like the kda-sql engine", async () => {
    // INTERMEDIATE_SQL_STREAM declares device_type VARCHAR(10): longer values become error rows.
    const stream = clicks({ count: 200, devices: ["desktop", "smart-television"] });
    const result = await run({ engine: "lambda", clicks: stream, app: "lab" });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.errorRows).to.be.greaterThan(0);
    expect(result.summary.deadLetters).to.equal(result.summary.expectedDeadLetters);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(stream, "lab"));
  });
});
