/**
 * Peer "harness": the KDA SQL harness running sql/sessionize.sql. With `--input FILE` it reads the
 * JSON-lines file, splits it into lines and pushes each line's bytes with its arrival time, counting
 * DESTINATION_SQL_STREAM rows. With `--generate N` it pushes N events made on the fly (never stored),
 * which measures the harness's own memory: its state must stay bounded by the windows, not the stream.
 */
import { loadApplication } from "../../emulator";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { benchArrivalTime, generateClicks, readLineBytes } from "../clickstream";
import { parsePeerOptions, reportResult, secondsSince } from "../peerProtocol";

const destination = "DESTINATION_SQL_STREAM";
const options = parsePeerOptions();
const started = process.hrtime.bigint();
const application = loadApplication(readSessionizeSql());

function push(data: Uint8Array | string, index: number): number {
  let rows = 0;
  for (const row of application.push({ data, arrivalTime: benchArrivalTime(index) })) {
    if (row.stream === destination) rows++;
  }
  return rows;
}

let items = 0;
let outputRows = 0;
if (options.generate !== undefined) {
  for (const line of generateClicks({
    events: options.generate,
    users: options.users,
    seed: options.seed,
  })) {
    outputRows += push(line, items++);
  }
} else {
  if (options.input === undefined) throw new Error("--input FILE or --generate N is required");
  const lines = readLineBytes(options.input, options.limit);
  for (; items < lines.length; items++) outputRows += push(lines[items], items);
}
reportResult({
  peer: "harness",
  items,
  unit: "events",
  seconds: secondsSince(started),
  outputRows,
  note:
    options.generate === undefined
      ? undefined
      : `generated on the fly (time includes generating), ${options.users} users`,
});
