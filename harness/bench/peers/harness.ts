/**
 * Peer "harness": the KDA SQL harness running sql/sessionize.sql. With `--input FILE` it reads the
 * JSON-lines file, splits it into lines and pushes each line's bytes with its arrival time, keeping
 * the DESTINATION_SQL_STREAM rows. With `--generate N` it pushes N events made on the fly (never
 * stored) and only counts the rows, which measures the harness's own memory: its state must stay
 * bounded by the windows, not the stream.
 */
import { loadApplication, rowToDeliveryObject, type Row, type StreamInfo } from "../../emulator";
import { destinationStreamName } from "../../../sql/contracts";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { benchArrivalTime, generateClicks, readLineBytes } from "../clickstream";
import {
  parsePeerOptions,
  reportResult,
  reportRows,
  secondsSince,
  type DestinationRow,
} from "../peerProtocol";

const options = parsePeerOptions();
const started = process.hrtime.bigint();
const application = loadApplication(readSessionizeSql());
const kept: Row[] = [];
let outputRows = 0;

function push(data: Uint8Array | string, index: number, keep: boolean): void {
  for (const row of application.push({ data, arrivalTime: benchArrivalTime(index) })) {
    if (row.stream !== destinationStreamName) continue;
    outputRows++;
    if (keep) kept.push(row);
  }
}

let items = 0;
if (options.generate !== undefined) {
  for (const line of generateClicks({
    events: options.generate,
    users: options.users,
    seed: options.seed,
  })) {
    push(line, items++, false);
  }
} else {
  if (options.input === undefined) throw new Error("--input FILE or --generate N is required");
  const lines = readLineBytes(options.input, options.limit);
  for (; items < lines.length; items++) push(lines[items], items, true);
}
const seconds = secondsSince(started);
if (options.generate === undefined) {
  const destination = application.streams.get(destinationStreamName) as StreamInfo;
  const rows = kept.map(
    (row) => Object.values(rowToDeliveryObject(destination, row)) as DestinationRow,
  );
  reportRows({ peer: "harness", items, seconds }, rows);
} else {
  reportResult({
    peer: "harness",
    items,
    unit: "events",
    seconds,
    outputRows,
    note: `generated on the fly (time includes generating), ${options.users} users`,
  });
}
