import { expect } from "chai";
import { ReportCollector } from "../../../harness/report/reportFacts";
import { renderReport } from "../../../harness/report/renderReport";
import { loadSessionizeApplication } from "../../../harness/emulator";
import { RecordFeeder } from "../../../harness/replay/recordFeeder";

const app = loadSessionizeApplication({ includeSourceRows: true });
const feeder = new RecordFeeder(app);
const collector = new ReportCollector(app.streams);
for (const user of ["user1", "</script><b>"]) {
  const text = JSON.stringify({ user_id: user, event_timestamp: 1_767_261_600_000 });
  collector.add(feeder.feed({ kind: "line", text, bytes: text.length })!.rows);
}
const html = renderReport({
  title: "A <run>",
  source: "clicks.jsonl (jsonl)",
  generatedAt: new Date("2026-01-01T12:00:00Z"),
  totals: [
    { key: "events", label: "records read", value: 1234567 },
    { key: "reconciled", label: "reconciled", value: "yes", note: "all there" },
  ],
  facts: collector.finish(),
});

describe("the HTML report", () => {
  it("is one self-contained document: its scripts inline, nothing fetched", () => {
    expect(html).to.match(/^<!doctype html>/);
    const page = html.replace(/<script>[\s\S]*?<\/script>/g, "<script></script>");
    expect(page).to.not.match(/<link|<script[^>]* src=|<img|url\(|https?:/);
    expect(html).to.contain("@observablehq/plot v0.6.17");
    expect(html.match(/<script>/g)).to.have.length(3);
  });

  it("puts the totals first, as numbers people read and as values tools read", () => {
    expect(html.indexOf('id="totals"')).to.be.lessThan(
      html.indexOf('data-chart="sessions-over-time"'),
    );
    expect(html).to.contain(
      '<div class="total" data-total="events" data-value="1234567"><span class="value">1,234,567</span><span class="label">records read</span></div>',
    );
    expect(html).to.contain('<span class="sub">all there</span>');
  });

  it("has a place for every chart and for the timelines", () => {
    for (const chart of [
      "sessions-over-time",
      "sessions-per-user",
      "session-length",
      "gaps",
      "dead-letters",
      "timelines",
    ]) {
      expect(html).to.contain(`data-chart="${chart}"`);
    }
  });

  it("escapes text from the data, in the page and in the embedded data", () => {
    expect(html).to.contain("<title>A &#60;run&#62;</title>");
    expect(html).to.not.contain("</script><b>");
    expect(html).to.contain("\\u003c/script>\\u003cb>");
  });
});
