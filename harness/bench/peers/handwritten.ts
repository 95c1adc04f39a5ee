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
  reportRows,
  requireInput,
  secondsSince,
  sessionStartRow,
  type DestinationRow,
} from "../peerProtocol";

/** The session gap of sql/sessionize.sql: a pause longer than this starts a session. */
const sessionGapMs = 10_000;

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
  if (last === undefined || timestamp - last > sessionGapMs) {
    rows.push(sessionStartRow(click.user_id, click.device_type, timestamp));
  }
}
reportRows({ peer: "handwritten", items: lines.length, seconds: secondsSince(started) }, rows);
