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
 * Frames records one by one as the harness's replay frames them (harness/replay/recordFeeder.ts
 * and harness/emulator/replay.ts `LineFeeder`): a JSON line is an envelope or a bare event; a
 * record without an arrival time takes its own `rowtimeField`, else the previous record's ROWTIME;
 * a record that arrived takes its arrival time. ROWTIME never decreases. Each method returns the
 * runner's record (null for a blank line).
 */
export class RecordFramer {
  private last: number | null = null;

  constructor(
    private readonly run = 0,
    private readonly rowtimeField = "event_timestamp",
  ) {}

  /** A JSON line: an envelope `{"data", "arrivalTime"}` or a bare event. */
  line(line: string): RunnerRecord | null {
    let parsed: unknown;
    try {
      // Exactly as the harness parses a line: an integer beyond 2^53 stays exact (a bigint).
      parsed = parseJson(line);
    } catch (error) {
      if (line.trim() === "") return null;
      return this.rejected(
        line,
        InputErrorName.NotJson,
        `Record is not valid JSON: ${(error as Error).message}`,
      );
    }
    if (isPlainObject(parsed) && "data" in parsed && "arrivalTime" in parsed) {
      return this.envelope(parsed, line);
    }
    return this.ownTime(parsed, bytesOf(line), true);
  }

  /** A record with no arrival time (a Firehose record): ROWTIME from its own timestamp. */
  event(data: string | Uint8Array): RunnerRecord {
    const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
    let parsed: unknown;
    try {
      parsed = parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      parsed = undefined;
    }
    return this.ownTime(parsed, bytesOf(data), typeof data === "string");
  }

  /** A Kinesis record: its bytes and ApproximateArrivalTimestamp. */
  arrived(data: Uint8Array, arrivalTime: number): RunnerRecord {
    return this.push({ arrivalTime, data: bytesOf(data), text: false });
  }

  /** A record the source could not frame: an error_stream row with this name and message. */
  rejected(raw: string, name: string, message: string, arrivalTime?: number): RunnerRecord {
    return this.push({
      arrivalTime: arrivalTime ?? this.previous(),
      data: bytesOf(raw),
      text: true,
      reject: { name, message },
    });
  }

  private envelope(envelope: Record<string, unknown>, line: string): RunnerRecord {
    const { data, arrivalTime } = envelope;
    if (typeof arrivalTime !== "number" || !Number.isSafeInteger(arrivalTime)) {
      return this.rejected(
        line,
        InputErrorName.Coercion,
        `Envelope arrivalTime must be epoch milliseconds as an integer; got ${deliveryJson(arrivalTime)}`,
      );
    }
    if (isPlainObject(data)) {
      return this.push({ arrivalTime, data: bytesOf(deliveryJson(data)), text: true });
    }
    if (typeof data === "string") {
      const compact = data.replace(/\s+/g, "");
      if (compact.length % 4 === 0 && base64Text.test(compact)) {
        return this.push({
          arrivalTime,
          data: Buffer.from(compact, "base64").toString("base64"),
          text: false,
        });
      }
      return this.rejected(
        line,
        InputErrorName.NotJson,
        "Envelope data is text but not base64",
        arrivalTime,
      );
    }
    const kind = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
    return this.rejected(
      line,
      InputErrorName.NotAnObject,
      `Envelope data must be a JSON object or base64 text; got ${kind}`,
      arrivalTime,
    );
  }

  private ownTime(parsed: unknown, data: string, text: boolean): RunnerRecord {
    const own = isPlainObject(parsed) ? bigintValue(parsed[this.rowtimeField]) : null;
    return this.push({ arrivalTime: typeof own === "number" ? own : this.previous(), data, text });
  }

  private previous(): number {
    return this.last ?? 0;
  }

  private push(record: Omit<RunnerRecord, "run">): RunnerRecord {
    const arrival = Math.floor(record.arrivalTime);
    this.last = this.last !== null && arrival < this.last ? this.last : arrival;
    return { run: this.run, ...record };
  }
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
  const framer = new RecordFramer(run, rowtimeField);
  const out: RunnerRecord[] = [];
  for (const line of lines) {
    const record = framer.line(line);
    if (record !== null) out.push(record);
  }
  return out;
}
