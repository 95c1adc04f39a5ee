import { expect } from "chai";
import { loadSessionizeApplication } from "../../../harness/emulator";
import { RecordFeeder } from "../../../harness/replay/recordFeeder";
import {
  binWidth,
  countBins,
  lengthBins,
  ReportCollector,
  timeBins,
  type TimelineChoice,
} from "../../../harness/report/reportFacts";

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const click = (user: string, ms: number | null, device = "desktop") =>
  JSON.stringify({
    user_id: user,
    ...(ms !== null && { event_timestamp: t0 + ms }),
    event_name: "search",
    event_type: "click",
    device_type: device,
  });

/** The facts of lines replayed through the lab's SQL, as `npm run report` gathers them. */
function facts(lines: string[], choice: TimelineChoice = {}) {
  const app = loadSessionizeApplication({ includeSourceRows: true });
  const feeder = new RecordFeeder(app);
  const collector = new ReportCollector(app.streams);
  for (const text of lines) {
    const fed = feeder.feed({ kind: "line", text, bytes: text.length });
    if (fed !== null) collector.add(fed.rows);
  }
  return collector.finish(choice);
}

describe("the report's facts", () => {
  it("takes the sessions the SQL emitted and runs each to the user's last event before the next", () => {
    // user1: a session 0..9 s, then a gap of exactly 10 s (same session), then 10.001 s (new one).
    const result = facts([
      click("user1", 0),
      click("user2", 500),
      click("user1", 9_000),
      click("user1", 19_000),
      click("user1", 29_001),
      click("user1", 30_000),
    ]);
    expect(result).to.include({
      records: 6,
      users: 2,
      sessionRows: 3,
      distinctSessions: 3,
      sessionStarts: 3,
      errorRows: 0,
      firstEventMs: t0,
      lastEventMs: t0 + 30_000,
    });
    expect(result.charts.gaps).to.include({ within: 3, beyond: 1, negative: 0, longer: 0 });
    const lengths = result.charts.sessionLength.bins.flatMap(([from, to, count]) =>
      Array<string>(count).fill(`${from}-${to}`),
    );
    // user1's sessions last 19 s and 999 ms; user2's one click lasts 0 s.
    expect(lengths).to.deep.equal(["0-1000", "0-1000", "19000-20000"]);
  });

  it("counts error rows by reason and events without a timestamp, which break the gap", () => {
    const result = facts([
      click("user1", 0),
      click("user1", null),
      click("user1", 2_000),
      "not json",
      click("user1", 4_000, "smart-television"),
    ]);
    expect(result.missingTimestamps).to.equal(1);
    expect(result.errorsByName).to.have.property("Parse_Error", 1);
    expect(result.errorRows).to.equal(2);
    expect(result.charts.deadLetters).to.have.length(2);
    expect(facts([click("user1", 0)]).rejectedRows).to.equal(0);
    const noDevice = JSON.stringify({ user_id: "user1", event_timestamp: t0 });
    const rejected = facts([noDevice]);
    expect([rejected.rejectedRows, rejected.charts.deadLetters]).to.deep.equal([
      1,
      [["session_id NULL or empty", 1]],
    ]);
    // 0 -> NULL -> 2 s: LAG sees the NULL, so the 2 s event has no gap and starts a session.
    expect(result.sessionStarts).to.equal(2);
    expect(result.charts.gaps).to.include({ within: 1, beyond: 0 });
  });

  it("draws the users with the most events, or the ones asked for, each capped to a share", () => {
    const lines = [
      ...[0, 1000, 2000, 3000].map((ms) => click("busy", ms)),
      ...[0, 1000].map((ms) => click("some", ms)),
      click("rare", 0),
    ];
    expect(facts(lines, { top: 2 }).timelines.map((t) => [t.id, t.events])).to.deep.equal([
      ["busy", 4],
      ["some", 2],
    ]);
    const [rare, busy] = facts(lines, { users: ["rare", "busy"], maxEvents: 6 }).timelines;
    expect(rare).to.deep.equal({ id: "rare", events: 1, shown: 1, times: [t0], starts: [0] });
    expect(busy).to.deep.include({ events: 4, shown: 3, times: [t0, 1000, 1000], starts: [0] });
    expect(() => facts(lines, { users: ["nobody"] })).to.throw('--users names "nobody"');
  });

  it("bins times, counts and lengths into a few readable bins", () => {
    expect(binWidth(3_600_000, 200, [1000, 60_000, 3_600_000])).to.equal(60_000);
    const overTime = timeBins([t0 + 1500, t0 + 2500, t0 + 2600]);
    expect(overTime).to.deep.equal({
      binMs: 1000,
      bins: [
        [t0 + 1000, 1],
        [t0 + 2000, 2],
      ],
    });
    expect(countBins([1, 1, 3])).to.deep.equal([
      [0, 1, 0],
      [1, 2, 2],
      [2, 3, 0],
      [3, 4, 1],
    ]);
    expect(countBins(Array.from({ length: 200 }, (_, i) => i))).to.have.length.at.most(60);
    const lengths = lengthBins([...Array<number>(199).fill(1000), 86_400_000]);
    expect(lengths).to.deep.equal({
      bins: [
        [0, 1000, 0],
        [1000, 2000, 199],
      ],
      longer: 1,
      from: 2000,
    });
  });
});
