import { expect } from "chai";
import { formatSummary, reconcile, type RunFacts } from "../../../harness/local/summary";

const facts = (overrides: Partial<RunFacts> = {}): RunFacts => ({
  seed: 1,
  events: 10,
  recordsRead: 10,
  rowsByStream: { INTERMEDIATE_SQL_STREAM: 10, DESTINATION_SQL_STREAM: 3, error_stream: 1 },
  destinationSessionIds: ["a", "b", null],
  deadLetterData: ["ZXJy", "bnVsbA=="],
  tableSessionIds: ["a", "b"],
  deadLetters: 2,
  invocations: 3,
  failedInvocations: 1,
  redeliveries: 2,
  undelivered: 0,
  elapsedMs: 1234,
  ...overrides,
});

describe("the run summary", () => {
  it("reconciles when the table holds one item per distinct session id and every dead letter is there", () => {
    const summary = reconcile(facts());
    expect(summary.reconciled).to.equal(true);
    expect(summary.differences).to.deep.equal([]);
    expect(summary).to.include({
      events: 10,
      sessionRows: 3,
      distinctSessions: 2,
      overwrittenSessions: 0,
      usersWithoutSessions: 0,
      tableItems: 2,
      errorRows: 1,
      rejectedRows: 1,
      expectedDeadLetters: 2,
      deadLetters: 2,
      redeliveries: 2,
    });
  });

  it("names the session ids missing from the table", () => {
    const summary = reconcile(facts({ tableSessionIds: ["a"] }));
    expect(summary.reconciled).to.equal(false);
    expect(summary.differences).to.deep.equal([
      'table items: 1, distinct session ids emitted: 2; missing from the table: "b"',
    ]);
  });

  it("names items in the table that no row emitted", () => {
    const summary = reconcile(facts({ tableSessionIds: ["a", "b", "zz"] }));
    expect(summary.differences[0]).to.contain('in the table but never emitted: "zz"');
  });

  it("counts a session_id emitted for two sessions as an overwritten session, and names it", () => {
    // The lab's HH:mm:ss ids: the same clock second on the next day gives the same id
    const summary = reconcile(
      facts({ destinationSessionIds: ["a", "b", "a", null], tableSessionIds: ["a", "b"] }),
    );
    expect(summary.reconciled).to.equal(false);
    expect(summary.overwrittenSessions).to.equal(1);
    expect(summary.differences).to.deep.equal([
      '1 session row(s) reused the session_id of an earlier session, which the table item then overwrote: "a"',
    ]);
  });

  it("counts users whose every click was dead-lettered, and names them", () => {
    const summary = reconcile(facts({ usersWithoutSessions: ["charlotte"] }));
    expect(summary.reconciled).to.equal(false);
    expect(summary.usersWithoutSessions).to.equal(1);
    expect(summary.differences).to.deep.equal([
      '1 user(s) sent clicks but have no session, every click dead-lettered: "charlotte"',
    ]);
  });

  it("counts dead letters by distinct content, as the handler keys them", () => {
    const summary = reconcile(facts({ deadLetterData: ["ZXJy", "ZXJy"], deadLetters: 1 }));
    expect(summary.reconciled).to.equal(true);
  });

  it("fails when a dead letter is missing", () => {
    const summary = reconcile(facts({ deadLetters: 1 }));
    expect(summary.differences).to.deep.equal([
      "dead letters: 1, expected 2 (error rows and rejected rows, distinct)",
    ]);
  });

  it("fails when records were sent but never read, or rows were left undelivered", () => {
    const summary = reconcile(facts({ recordsRead: 9, undelivered: 3 }));
    expect(summary.differences).to.deep.equal([
      "records read from the stream: 9, events sent: 10",
      "3 row(s) were still undelivered when the run ended",
    ]);
  });

  it("prints NO and each difference when it does not reconcile", () => {
    const text = formatSummary(reconcile(facts({ deadLetters: 0 })));
    expect(text).to.match(/reconciled +NO\n {2}- dead letters: 0, expected 2/);
  });
});
