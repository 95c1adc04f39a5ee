import { expect } from "chai";
import { renderReport } from "../../../harness/local/report";
import { reconcile } from "../../../harness/local/summary";
import type { ClickRecord } from "../../../harness/simulator/clickGenerator";

const click = (user: string, at: number): ClickRecord => ({
  user_id: user,
  event_timestamp: String(Date.parse("2026-01-01T10:00:00Z") + at * 1000),
  event_name: "search",
  event_type: "click",
  device_type: "desktop",
});

const summary = reconcile({
  seed: 1,
  events: 4,
  recordsRead: 4,
  rowsByStream: { DESTINATION_SQL_STREAM: 2 },
  destinationSessionIds: ["user1_desktop_10:00:00", "user1_desktop_10:00:20"],
  deadLetterData: [],
  tableSessionIds: ["user1_desktop_10:00:00", "user1_desktop_10:00:20"],
  deadLetters: 0,
  invocations: 1,
  failedInvocations: 0,
  redeliveries: 0,
  undelivered: 0,
  elapsedMs: 10,
});

const html = renderReport({
  summary,
  clicks: [click("user1", 0), click("user1", 2), click("user1", 20), click("<b>", 4)],
  sessions: [
    { session_id: "user1_desktop_10:00:00", session_time: "10:00:00", user_id: "user1  " },
    { session_id: "user1_desktop_10:00:20", session_time: "10:00:20", user_id: "user1  " },
  ],
  generatedAt: new Date("2026-01-01T12:00:00Z"),
});

describe("the HTML report", () => {
  it("is one self-contained document: no scripts and no external resources", () => {
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.not.match(/<script|<link|src=|https?:\/\//);
  });

  it("draws a lane per user with every click and marks the session starts found in the table", () => {
    expect(html).to.contain("user1 <small>3 clicks, 2 session starts in the table</small>");
    expect(html.match(/class="click"/g)).to.have.length(4);
    expect(html.match(/class="start"/g)).to.have.length(2);
  });

  it("shades each gap longer than ten seconds", () => {
    expect(html.match(/class="gap"/g)).to.have.length(1);
    expect(html).to.contain("<title>gap 18 s</title>");
  });

  it("escapes text that comes from the data", () => {
    expect(html).to.contain("&#60;b&#62;");
    expect(html).to.not.contain("<b>");
  });

  it("includes the summary and the sessions table", () => {
    expect(html).to.contain(`${"reconciled".padEnd("users without sessions".length)}  yes`);
    expect(html).to.contain("<td>user1_desktop_10:00:20</td>");
  });
});
