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

// The KDA path: the harness as the application, the real delivery handler as its output.
const run = (overrides: Partial<LocalPipelineOptions> = {}) =>
  runLocalPipeline({
    clicks: clicks(),
    engine: "kda-sql",
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

  it("does not reconcile, and names the users, when the lab's SQL dead-letters every click of a user", async () => {
    // The lab's INTERMEDIATE_SQL_STREAM holds user ids of 7 characters: charlotte never gets a session
    const stream = clicks({ count: 60, users: ["user1", "charlotte"] });
    const result = await run({ clicks: stream, app: "lab" });

    expect(result.summary.reconciled).to.equal(false);
    expect(result.summary.usersWithoutSessions).to.equal(1);
    expect(result.summary.differences).to.deep.equal([
      '1 user(s) sent clicks but have no session, every click dead-lettered: "charlotte"',
    ]);
    const product = await run({ clicks: stream });
    expect(product.summary.differences).to.deep.equal([]);
  });

  it("does not reconcile, and counts them, when the lab's session ids of two days collide", async () => {
    // 170 clicks of one user 10 min apart (28 h): each starts a session, and from click 145 on the
    // clock time repeats the first day's, so the lab's HH:mm:ss id overwrites an earlier session
    const stream = clicks({
      count: 170,
      users: ["user1"],
      clickIntervalMs: 600_000,
      sessionEvery: 1_000,
    });
    const lab = await run({ clicks: stream, app: "lab" });
    const product = await run({ clicks: stream });

    expect(lab.summary.reconciled).to.equal(false);
    expect(lab.summary.overwrittenSessions).to.equal(170 - 144);
    expect(lab.summary.differences[0]).to.match(
      /^26 session row\(s\) reused the session_id of an earlier session, which the table item then overwrote: "user1_desktop_09:00:00"/,
    );
    expect(product.summary.differences).to.deep.equal([]);
    expect(product.summary.tableItems).to.equal(170);
  });

  it("sends rows the SQL rejects to the dead letters and still reconciles", async () => {
    // INTERMEDIATE_SQL_STREAM declares device_type VARCHAR(10): longer values become error rows.
    const stream = clicks({ count: 200, devices: ["desktop", "smart-television"] });
    const result = await run({ clicks: stream, app: "lab" });

    expect(result.summary.differences).to.deep.equal([]);
    expect(result.summary.errorRows).to.be.greaterThan(0);
    expect(result.summary.deadLetters).to.equal(result.summary.expectedDeadLetters);
    expect(sortedItems(result.sessions)).to.deep.equal(await replayedTable(stream, "lab"));
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
    expect(result.summary.differences).to.include(
      `${result.summary.sessionRows} row(s) were still undelivered when the run ended`,
    );
  });
});
