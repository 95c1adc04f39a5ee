/**
 * The run's report: one self-contained HTML file, no network. The totals come first, written into
 * the page itself; the charts are drawn in the browser by Observable Plot (with d3), both embedded,
 * from binned data, so the file stays small whatever the volume: well under 5 MB for 100,000 users
 * and a million events (test/browser/report.test.ts holds it to that). The page's script is
 * `reportPage.js`.
 */
import * as fs from "fs";
import * as path from "path";
import type { ReportFacts } from "./reportFacts";

/** One number (or word) at the top of the page; `key` names it for tools and tests. */
export interface Total {
  readonly key: string;
  readonly label: string;
  readonly value: number | string;
  /** Said under the value, small. */
  readonly note?: string;
}

export interface ReportPage {
  readonly title: string;
  /** What was read (`clicks.jsonl (jsonl)`, `the local pipeline, engine kda-sql`). */
  readonly source: string;
  readonly generatedAt: Date;
  readonly totals: readonly Total[];
  readonly facts: ReportFacts;
}

/** The embedded libraries, read once: their UMD builds set the globals `d3` and `Plot`. */
function libraries(): string[] {
  const plotEntry = require.resolve("@observablehq/plot");
  const plot = path.join(path.dirname(plotEntry), "..", "dist", "plot.umd.min.js");
  const d3 = path.join(
    path.dirname(require.resolve("d3", { paths: [path.dirname(plotEntry)] })),
    "d3.min.js",
  );
  const page = path.join(__dirname, "reportPage.js");
  return [d3, plot, page].map((file) => fs.readFileSync(file, "utf8"));
}

/** The charts, in page order: the `data-chart` name, the heading and what it shows. */
const charts = [
  ["sessions-over-time", "Sessions over time", "Session starts per time bin, by event time."],
  ["sessions-per-user", "Sessions per user", "How many users started how many sessions."],
  ["session-length", "Session length", "From a session's first event to its last."],
  [
    "gaps",
    "Gaps between a user's events",
    "The gap to the user's previous event, as LAG sees it; a gap over the threshold starts a session.",
  ],
  [
    "dead-letters",
    "Dead letters by reason",
    "error_stream rows by ERROR_NAME, and session rows the delivery refuses for want of a session_id.",
  ],
] as const;

/** Renders the report as one HTML document. */
export function renderReport(page: ReportPage): string {
  const { facts } = page;
  const span =
    facts.firstEventMs === null
      ? "no events with a timestamp"
      : `events from ${new Date(facts.firstEventMs).toISOString()} to ${new Date(facts.lastEventMs as number).toISOString()}`;
  const totals = page.totals
    .map(
      (total) =>
        `<div class="total" data-total="${escapeHtml(total.key)}" data-value="${escapeHtml(String(total.value))}">` +
        `<span class="value">${escapeHtml(formatValue(total.value))}</span>` +
        `<span class="label">${escapeHtml(total.label)}</span>` +
        (total.note === undefined ? "" : `<span class="sub">${escapeHtml(total.note)}</span>`) +
        `</div>`,
    )
    .join("\n");
  const figures = charts
    .map(
      ([name, heading, about]) =>
        `<figure data-chart="${name}" class="card${name === "sessions-over-time" ? " wide" : ""}">` +
        `<h2>${heading}</h2><p class="about">${escapeHtml(about)}</p>` +
        `<div class="plot"><p class="empty">Drawing...</p></div><p class="note"></p></figure>`,
    )
    .join("\n");
  const scripts = libraries()
    .map((code) => `<script>${code.replace(/<\/script/gi, "<\\/script")}</script>`)
    .join("\n");
  const data = JSON.stringify({ facts }).replace(/</g, "\\u003c");

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1280px;margin:0 auto;padding:24px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.1em;margin:0}
.meta,.about,.note,.sub,.range{color:#59636e}.about,.note{margin:2px 0 8px}
.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin:20px 0}
.total{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 14px;display:flex;flex-direction:column}
.total .value{font-size:1.7em;font-weight:600;font-variant-numeric:tabular-nums}
.total .label{font-weight:500}.total .sub{font-size:.85em}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.card{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px;min-width:0}
.card.wide{grid-column:1/-1}.card figure{margin:0}
#timelines{margin-top:16px}#timelines .overview{margin:8px 0}
button{font:inherit;padding:2px 10px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa;cursor:pointer}
.legend span{margin-right:1.5em}.empty{color:#59636e;font-style:italic}
.brush .selection{fill:#1f6feb;fill-opacity:.15;stroke:#1f6feb}
</style></head><body>
<main>
<header>
<h1>${escapeHtml(page.title)}</h1>
<p class="meta">${escapeHtml(page.source)}; ${escapeHtml(span)}; generated ${escapeHtml(page.generatedAt.toISOString())}</p>
</header>
<section class="totals" id="totals">
${totals}
</section>
<section class="charts">
${figures}
</section>
<figure id="timelines" data-chart="timelines" class="card">
<h2>Per-user timelines</h2>
<p class="about legend"><span style="color:#0b3d91">| event</span><span style="color:#d1242f">&#9650; session start</span><span><span style="background:#1f6feb33;border:1px solid #1f6feb80">&nbsp;&nbsp;&nbsp;&nbsp;</span> session, first to last event</span></p>
<p class="note"></p>
<div class="overview"></div>
<p class="range"></p> <button type="button" class="reset">Reset zoom</button>
<div class="detail plot"></div>
</figure>
</main>
<script type="application/json" id="report-data">${data}</script>
${scripts}
</body></html>
`;
}

function formatValue(value: number | string): string {
  return typeof value === "number" ? value.toLocaleString("en-US") : value;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
