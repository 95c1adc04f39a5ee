/**
 * The whole local pipeline, end to end: simulator -> kinesalite -> harness -> the real delivery
 * handler -> dynalite. The sessions table must hold exactly what `npm run replay` computes from the
 * same clicks, with and without injected failures.
 */
import { expect } from "chai";
import { runLocalPipeline, type LocalPipelineOptions } from "../../harness/local/pipeline";
import type { ClickStreamOptions } from "../../harness/simulator/clickGenerator";
import { labClicks, replayedTable, sortedItems } from "../support/sessionsTable";

const clicks = (overrides: Partial<ClickStreamOptions> = {}): ClickStreamOptions =>
  labClicks(20260101, overrides);

const run = (overrides: Partial<LocalPipelineOptions> = {}) =>
  runLocalPipeline({
    clicks: clicks(),
    deliveryIntervalMs: 50,
    drainTimeoutMs: 60_000,
    ...overrides,
  });

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
