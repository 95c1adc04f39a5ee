/**
 * Peer "handwritten": the lab's sessionization as a plain single-pass JavaScript loop over the
 * benchmark file (read, split, JSON.parse each line, emit DESTINATION rows): the practical upper
 * bound for a JavaScript engine. It exploits what a general engine cannot assume: pump 2's WHERE
 * keeps only the rows that start a session, so its LAST_VALUE is always the row's own
 * session_timestamp, and the benchmark's clickstream holds no record the SQL would reject.
 */
import { readLines } from "../clickstream";
import {
  parsePeerOptions,
  reportResult,
  requireInput,
  rowsDigest,
  secondsSince,
  type DestinationRow,
} from "../peerProtocol";

/** The session gap of sql/sessionize.sql: a pause longer than this starts a session. */
const sessionGapMs = 10_000;
const dayMs = 86_400_000;

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** TIMESTAMP_TO_CHAR('HH:mm:ss', ...) of epoch ms, in UTC. */
function clockTime(epochMs: number): string {
  const seconds = Math.floor((((epochMs % dayMs) + dayMs) % dayMs) / 1000);
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

interface Click {
  readonly user_id: string;
  readonly event_timestamp: string;
  readonly device_type: string;
}

const options = parsePeerOptions();
const started = process.hrtime.bigint();
const lines = readLines(requireInput(options), options.limit);
const previous = new Map<string, number>();
const rows: DestinationRow[] = [];
for (const line of lines) {
  const click = JSON.parse(line) as Click;
  const timestamp = Number(click.event_timestamp);
  const last = previous.get(click.user_id);
  previous.set(click.user_id, timestamp);
  if (last !== undefined && timestamp - last <= sessionGapMs) continue;
  const time = clockTime(timestamp);
  rows.push([
    click.user_id.padEnd(7, " "),
    `${click.user_id}_${click.device_type}_${time}`,
    time,
    time,
  ]);
}
const seconds = secondsSince(started);
reportResult({
  peer: "handwritten",
  items: lines.length,
  unit: "events",
  seconds,
  outputRows: rows.length,
  outputDigest: rowsDigest(rows),
});
