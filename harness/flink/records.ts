/**
 * Records for flink-runner's local source: one JSON line per record with its run, arrival time and
 * raw bytes (base64), so the runner validates exactly the bytes the harness would decode. Replay
 * lines are framed here the way the harness's replay frames them (envelope or bare event, ROWTIME
 * from `arrivalTime` or `event_timestamp`, else the previous record's); a line the framing itself
 * rejects carries its error name and message, so the runner sends it to error_stream as is.
 */
import { bigintValue, deliveryJson, InputErrorName, parseJson } from "../emulator";

/** One input line of flink-runner (`Ingest.java`). */
export interface RunnerRecord {
  readonly run: number;
  readonly arrivalTime: number;
  /** The record's bytes, base64. */
  readonly data: string;
  /** Text records are not stripped of a byte-order mark (the harness's rule for strings). */
  readonly text: boolean;
  readonly reject?: { readonly name: string; readonly message: string };
}

/** A record as the harness's `push` takes it: text or bytes, and its arrival time. */
export interface ArrivingRecord {
  readonly data: string | Uint8Array;
  readonly arrivalTime: number;
}

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bytesOf(data: string | Uint8Array): string {
  return (typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data)).toString(
    "base64",
  );
}

/** Records pushed one by one (the differential tests' streams). */
export function recordsFromArrivals(records: readonly ArrivingRecord[], run = 0): RunnerRecord[] {
  return records.map((r) => ({
    run,
    arrivalTime: r.arrivalTime,
    data: bytesOf(r.data),
    text: typeof r.data === "string",
  }));
}

/**
 * Replay lines (`npm run replay`'s input) framed as harness/emulator/replay.ts `LineFeeder` frames
 * them. `rowtimeField` is the bare event's field that gives its ROWTIME.
 */
export function recordsFromReplayLines(
  lines: Iterable<string>,
  run = 0,
  rowtimeField = "event_timestamp",
): RunnerRecord[] {
  const out: RunnerRecord[] = [];
  let last: number | null = null;
  const previous = () => last ?? 0;
  const push = (record: Omit<RunnerRecord, "run">) => {
    const arrival = Math.floor(record.arrivalTime);
    last = last !== null && arrival < last ? last : arrival;
    out.push({ run, ...record });
  };
  for (const line of lines) {
    let parsed: unknown;
    try {
      // Exactly as the harness parses a line: an integer beyond 2^53 stays exact (a bigint).
      parsed = parseJson(line);
    } catch (error) {
      if (line.trim() === "") continue;
      push({
        arrivalTime: previous(),
        data: bytesOf(line),
        text: true,
        reject: {
          name: InputErrorName.NotJson,
          message: `Record is not valid JSON: ${(error as Error).message}`,
        },
      });
      continue;
    }
    if (isPlainObject(parsed) && "data" in parsed && "arrivalTime" in parsed) {
      const { data, arrivalTime } = parsed;
      if (typeof arrivalTime !== "number" || !Number.isSafeInteger(arrivalTime)) {
        push({
          arrivalTime: previous(),
          data: bytesOf(line),
          text: true,
          reject: {
            name: InputErrorName.Coercion,
            message: `Envelope arrivalTime must be epoch milliseconds as an integer; got ${JSON.stringify(arrivalTime)}`,
          },
        });
      } else if (isPlainObject(data)) {
        push({ arrivalTime, data: bytesOf(deliveryJson(data)), text: true });
      } else if (typeof data === "string") {
        const compact = data.replace(/\s+/g, "");
        if (compact.length % 4 === 0 && base64Text.test(compact)) {
          push({
            arrivalTime,
            data: Buffer.from(compact, "base64").toString("base64"),
            text: false,
          });
        } else {
          push({
            arrivalTime,
            data: bytesOf(line),
            text: true,
            reject: {
              name: InputErrorName.NotJson,
              message: "Envelope data is text but not base64",
            },
          });
        }
      } else {
        const kind = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
        push({
          arrivalTime,
          data: bytesOf(line),
          text: true,
          reject: {
            name: InputErrorName.NotAnObject,
            message: `Envelope data must be a JSON object or base64 text; got ${kind}`,
          },
        });
      }
      continue;
    }
    const own = isPlainObject(parsed) ? bigintValue(parsed[rowtimeField]) : null;
    push({
      arrivalTime: typeof own === "number" ? own : previous(),
      data: bytesOf(line),
      text: true,
    });
  }
  return out;
}
