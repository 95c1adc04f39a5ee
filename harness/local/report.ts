/**
 * The run's visual report: one self-contained HTML file (inline CSS and SVG, no scripts, no
 * network) with each user's clicks on a timeline, the gaps that end a session, the session starts
 * the sessions table holds, and the summary.
 */
import type { ClickRecord } from "../simulator/clickGenerator";
import { sqlApplications } from "../../sql/applications";
import type { SessionItem } from "../../sql/contracts";
import { formatSummary, type Summary } from "./summary";

export interface ReportData {
  readonly summary: Summary;
  readonly clicks: readonly ClickRecord[];
  /** Items read back from the sessions table. */
  readonly sessions: readonly SessionItem[];
  readonly generatedAt: Date;
  /** The SQL's session gap: a pause longer than this starts a session (10 s in the lab). */
  readonly sessionGapMs?: number;
  /**
   * The session_id the SQL gives a session starting with a click (`SqlApplicationSpec.sessionIdOf`),
   * to mark the clicks the table holds a session for; the lab's when not given.
   */
  readonly sessionIdOf?: (click: ClickRecord) => string;
}

const pixelsPerSecond = 0.5;
const laneHeight = 70;

/** Renders the report as one HTML document. */
export function renderReport(data: ReportData): string {
  const gapMs = data.sessionGapMs ?? 10_000;
  const sessionIdOf = data.sessionIdOf ?? sqlApplications.lab.sessionIdOf;
  const sessionIds = new Set(data.sessions.map((s) => s.session_id));
  const users = [...new Set(data.clicks.map((c) => c.user_id))].sort();
  const times = data.clicks.map((c) => Number(c.event_timestamp));
  const start = Math.min(...times);
  const end = Math.max(...times);
  const width = Math.max(600, Math.ceil(((end - start) / 1000) * pixelsPerSecond) + 40);
  const x = (t: number) => 20 + ((t - start) / 1000) * pixelsPerSecond;

  const lanes = users.map((user) => {
    const clicks = data.clicks.filter((c) => c.user_id === user);
    const parts: string[] = [];
    let starts = 0;
    clicks.forEach((click, i) => {
      const t = Number(click.event_timestamp);
      const previous = i > 0 ? Number(clicks[i - 1].event_timestamp) : undefined;
      if (previous !== undefined && t - previous > gapMs) {
        parts.push(
          `<rect class="gap" x="${x(previous).toFixed(1)}" y="8" width="${(x(t) - x(previous)).toFixed(1)}" height="44"><title>gap ${((t - previous) / 1000).toFixed(0)} s</title></rect>`,
        );
      }
      const label = `${click.event_name} at ${clock(t)} on ${click.device_type}`;
      parts.push(
        `<line class="click" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="22" y2="38"><title>${escapeHtml(label)}</title></line>`,
      );
      if (sessionIds.has(sessionIdOf(click))) {
        starts++;
        parts.push(
          `<path class="start" d="M${x(t).toFixed(1)} 20 l-4 -9 h8 z"><title>session ${escapeHtml(sessionIdOf(click))}</title></path>`,
        );
      }
    });
    return `<h3>${escapeHtml(user)} <small>${clicks.length} clicks, ${starts} session starts in the table</small></h3>
<div class="lane"><svg width="${width}" height="${laneHeight}" role="img" aria-label="clicks of ${escapeHtml(user)}">
<line class="axis" x1="20" x2="${width - 20}" y1="30" y2="30"/>
${parts.join("\n")}
${ticks(start, end, x)}
</svg></div>`;
  });

  const sessionRows = data.sessions
    .map(
      (s) =>
        `<tr><td>${escapeHtml(String(s.user_id ?? ""))}</td><td>${escapeHtml(s.session_id)}</td><td>${escapeHtml(sessionStart(s))}</td></tr>`,
    )
    .join("\n");

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>clickstream-sessionizer: local run</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h3{margin:1.2em 0 .2em}small{color:#666;font-weight:normal}
.lane{overflow-x:auto;border:1px solid #ddd;background:#fafafa}
.axis{stroke:#bbb}.click{stroke:#1f6feb;stroke-width:1}.start{fill:#d1242f}.gap{fill:#f2cc60;opacity:.35}
.tick{fill:#666;font-size:10px}.tickline{stroke:#ddd}
pre{background:#f6f8fa;padding:1em;overflow-x:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;font-family:monospace}
.legend span{margin-right:1.5em}
</style></head><body>
<h1>Local pipeline run, ${escapeHtml(data.generatedAt.toISOString())}</h1>
<p class="legend"><span style="color:#1f6feb">| click</span><span style="color:#d1242f">&#9660; session start (item in the sessions table)</span><span style="background:#f2cc6099">&nbsp;&nbsp;&nbsp;</span> gap over ${gapMs / 1000} s</p>
<h2>Summary</h2>
<pre>${escapeHtml(formatSummary(data.summary))}</pre>
<h2>Clicks per user</h2>
<p>${new Date(start).toISOString()} to ${new Date(end).toISOString()}; scroll sideways; hover for details.</p>
${lanes.join("\n")}
<h2>Sessions table (${data.sessions.length} items)</h2>
<table><thead><tr><th>user_id</th><th>session_id</th><th>session start</th></tr></thead>
<tbody>
${sessionRows}
</tbody></table>
</body></html>
`;
}

/** The session_id the lab's SQL gives a session starting with `click`. */
/**
 * When a session started, as its item says: the product's `session_start` (full UTC time) or the
 * lab's `session_time` (clock time only).
 */
export function sessionStart(item: SessionItem): string {
  return String(item.session_start ?? item.session_time ?? "");
}

/** HH:mm:ss in UTC, as TIMESTAMP_TO_CHAR('HH:mm:ss', ...) formats it. */
function clock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}

function ticks(start: number, end: number, x: (t: number) => number): string {
  const stepMs = 5 * 60_000;
  const out: string[] = [];
  for (let t = Math.ceil(start / stepMs) * stepMs; t <= end; t += stepMs) {
    out.push(
      `<line class="tickline" x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="44" y2="50"/><text class="tick" x="${(x(t) + 2).toFixed(1)}" y="62">${clock(t).slice(0, 5)}</text>`,
    );
  }
  return out.join("\n");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
