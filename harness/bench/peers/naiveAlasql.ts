/**
 * Peer "naive-alasql": what one gets by handing the lab's SQL to a general SQL library as it stands.
 * alasql has no streaming and no LAG, so the previous event of the user is a correlated subquery:
 * quadratic in the number of events, hence run on a prefix of the file (`--limit`). Rows to stdout.
 */
import alasql from "alasql";
import { readLines } from "../clickstream";
import { parsePeerOptions, requireInput, RowWriter, sessionStartRow } from "../peerProtocol";

interface SessionStart {
  readonly user_id: string;
  readonly device_type: string;
  readonly ts: number;
}

const options = parsePeerOptions();
const lines = readLines(requireInput(options), options.limit);
const database = new alasql.Database();
database.exec("CREATE TABLE events (seq INT, user_id STRING, ts BIGINT, device_type STRING)");
database.exec("INSERT INTO events SELECT * FROM ?", [
  lines.map((line, seq) => {
    const record = JSON.parse(line) as Record<string, string | undefined>;
    return {
      seq,
      user_id: record.user_id ?? null,
      ts: record.event_timestamp === undefined ? null : Number(record.event_timestamp),
      device_type: record.device_type ?? null,
    };
  }),
]);
const starts = database.exec(`
  SELECT user_id, device_type, ts FROM (
    SELECT e.seq, e.user_id, e.device_type, e.ts,
      (SELECT VALUE p.ts FROM events p WHERE p.user_id = e.user_id AND p.seq < e.seq
        ORDER BY p.seq DESC LIMIT 1) AS prev
    FROM events e) AS lagged
  WHERE prev IS NULL OR ts - prev > 10000
  ORDER BY seq`) as SessionStart[];
const output = new RowWriter();
for (const start of starts)
  output.write(sessionStartRow(start.user_id, start.device_type, start.ts));
output.flush();
