/**
 * Peer "handwritten": each scenario as a plain single-pass JavaScript loop over the benchmark file
 * (read, split, JSON.parse each line, rows to stdout): the practical upper bound for a JavaScript
 * engine, and the reference the other peers must match. It exploits what a general engine cannot
 * assume: the benchmark's clickstream holds no record the SQL would reject, and its timestamps never
 * decrease, so ROWTIME is each click's event_timestamp. In sql/sessionize.sql, pump 2's WHERE keeps
 * only the rows that start a session, so its LAST_VALUE is always the row's own session_timestamp.
 */
import { readLines } from "../clickstream";
import {
  clockTime,
  parsePeerOptions,
  requireInput,
  RowWriter,
  sessionStartRow,
} from "../peerProtocol";

/** The session gap of sql/sessionize.sql: a pause longer than this starts a session. */
const sessionGapMs = 10_000;
/** The RANGE of harness/bench/sql/clicksPerMinute.sql, bounds included. */
const windowMs = 60_000;

interface Click {
  readonly user_id: string;
  readonly event_timestamp: string;
  readonly device_type: string;
}

const options = parsePeerOptions();
const lines = readLines(requireInput(options), options.limit);
const output = new RowWriter();

if (options.scenario === "sessionize") {
  const previous = new Map<string, number>();
  for (const line of lines) {
    const click = JSON.parse(line) as Click;
    const timestamp = Number(click.event_timestamp);
    const last = previous.get(click.user_id);
    previous.set(click.user_id, timestamp);
    if (last === undefined || timestamp - last > sessionGapMs) {
      output.write(sessionStartRow(click.user_id, click.device_type, timestamp));
    }
  }
} else {
  /** A user's clicks in the last minute, oldest first from `head`, and how many were mobile. */
  interface Window {
    times: number[];
    mobile: boolean[];
    head: number;
    mobileCount: number;
  }
  const windows = new Map<string, Window>();
  for (const line of lines) {
    const click = JSON.parse(line) as Click;
    const time = Number(click.event_timestamp);
    let window = windows.get(click.user_id);
    if (window === undefined) {
      window = { times: [], mobile: [], head: 0, mobileCount: 0 };
      windows.set(click.user_id, window);
    }
    const isMobile = click.device_type === "mobile";
    window.times.push(time);
    window.mobile.push(isMobile);
    if (isMobile) window.mobileCount++;
    while (window.times[window.head] < time - windowMs) {
      if (window.mobile[window.head]) window.mobileCount--;
      window.head++;
    }
    // Drop the expired prefix now and then, so a long-lived user's arrays stay short.
    if (window.head > 1024) {
      window.times = window.times.slice(window.head);
      window.mobile = window.mobile.slice(window.head);
      window.head = 0;
    }
    output.write([
      click.user_id,
      clockTime(time),
      window.times.length - window.head,
      window.mobileCount,
    ]);
  }
}
output.flush();
