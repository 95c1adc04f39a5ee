/**
 * The whole local pipeline, end to end: simulator -> kinesalite -> harness -> the real delivery
 * handler -> dynalite. The sessions table must hold exactly what `npm run replay` computes from the
 * same clicks, with and without injected failures.
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
  seed: 20260101,
  count: 400,
  startMs: Date.parse("2026-01-01T09:00:00Z"),
  ...overrides,
});

const run = (overrides: Partial<LocalPipelineOptions> = {}) =>
  runLocalPipeline({
    clicks: clicks(),
    deliveryIntervalMs: 50,
    drainTimeoutMs: 60_000,
    ...overrides,
  });

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

const sortedItems = (items: readonly SessionItem[]) =>
  [...items]
    .map((i) => ({ session_id: i.session_id, session_time: i.session_time, user_id: i.user_id }))
    .sort((a, b) => a.session_id.localeCompare(b.session_id));

describe("the local pipeline end to end", () => {
  it("fills the sessions table with exactly what replay computes for the same clicks", async () => {
    const result = await run();

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.reconciled).to.equal(true);
    expect(result.summary.events).to.equal(400);
    expect(result.summary.tableItems).to.be.greaterThan(30);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(clicks()));
  });

  it("still matches replay and reconciles when deliveries fail and DynamoDB goes away mid-run", async () => {
    const result = await run({ chaos: { seed: 7, outageMs: 500 } });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.redeliveries).to.be.greaterThan(0);
    expect(result.chaos).to.include({ outages: 1 });
    expect(result.chaos?.refusedInvocations).to.be.at.least(1);
    expect(result.chaos?.lostResponses).to.be.at.least(1);
    expect(result.chaos?.droppedAnswers).to.be.at.least(1);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(clicks()));
  });

  it("sends rows the SQL rejects to the dead letters and still reconciles", async () => {
    // INTERMEDIATE_SQL_STREAM declares device_type VARCHAR(10): longer values become error rows.
    const stream = clicks({ count: 200, devices: ["desktop", "smart-television"] });
    const result = await run({ clicks: stream });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.errorRows).to.be.greaterThan(0);
    expect(result.summary.deadLetters).to.equal(result.summary.expectedDeadLetters);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(stream));
  });

  it("does not reconcile, and says why, when rows are still undelivered at the end", async () => {
    const result = await run({
      clicks: clicks({ count: 50 }),
      deliveryIntervalMs: 60_000,
      drainTimeoutMs: 1,
    });

    const emitted = result.summary.distinctSessions;
    expect(result.summary.reconciled).to.equal(false);
    expect(result.summary.differences[0]).to.match(
      new RegExp(
        `^table items: 0, distinct session ids emitted: ${emitted}; missing from the table: `,
      ),
    );
    expect(result.summary.differences[1]).to.equal(
      `${result.summary.sessionRows} row(s) were still undelivered when the run ended`,
    );
  });
});
