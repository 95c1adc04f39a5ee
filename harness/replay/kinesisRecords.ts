/**
 * The records of `aws kinesis get-records` output, as AWS CLI v1 and v2 print it:
 * `{"Records": [{"SequenceNumber", "ApproximateArrivalTimestamp", "Data": <base64>, "PartitionKey"}],
 * "NextShardIterator", "MillisBehindLatest"}`, or the `Records` array alone (`--query Records`).
 * Each record's ROWTIME is its `ApproximateArrivalTimestamp`: epoch seconds with a fraction (v1,
 * `1654000000.123`) or an ISO-8601 date-time with an offset (v2,
 * `2022-05-31T12:26:40.123000+00:00`).
 */
import { InputErrorName } from "../emulator";
import type { SourceRecord } from "./sourceRecord";

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Epoch seconds (AWS CLI v1) below this are seconds; from it on, a number is taken as epoch
 * milliseconds already (1e11 seconds is the year 5138).
 */
const millisecondsFrom = 1e11;

/**
 * `ApproximateArrivalTimestamp` as epoch milliseconds, or null when it is missing or unreadable.
 *
 * @example
 * arrivalTimeOf(1654000000.123) // -> 1654000000123
 * arrivalTimeOf("2022-05-31T12:26:40.123000+00:00") // -> 1654000000123
 */
export function arrivalTimeOf(value: unknown): number | null {
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim())
        ? Number(value)
        : undefined;
  if (number !== undefined) {
    const ms = number >= millisecondsFrom ? number : number * 1000;
    return Number.isFinite(ms) ? Math.round(ms) : null;
  }
  if (typeof value !== "string") return null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

/**
 * The records of one get-records response (`text`, starting on line `line` of the input). A record
 * without a usable arrival time takes its own event_timestamp, as a bare event does; a response or
 * record that cannot be read becomes a rejected record, so it shows in `error_stream`.
 */
export function getRecordsResponseRecords(text: string, line: number): SourceRecord[] {
  const bytes = Buffer.byteLength(text);
  let response: unknown;
  try {
    response = JSON.parse(text);
  } catch (error) {
    const message = `get-records output is not valid JSON: ${(error as Error).message}`;
    return [
      { kind: "rejected", raw: text, errorName: InputErrorName.NotJson, message, line, bytes },
    ];
  }
  const records = Array.isArray(response)
    ? response
    : isObject(response) && Array.isArray(response.Records)
      ? response.Records
      : undefined;
  if (records === undefined) {
    const message =
      'Expected get-records output: an object with a "Records" array, or that array itself';
    return [
      { kind: "rejected", raw: text, errorName: InputErrorName.NotAnObject, message, line, bytes },
    ];
  }
  const lines = new LineFinder(text, line);
  return records.map((record: unknown) => kinesisRecord(record, lines));
}

function kinesisRecord(record: unknown, lines: LineFinder): SourceRecord {
  if (!isObject(record)) {
    const raw = JSON.stringify(record) ?? String(record);
    const message = "A get-records record must be an object with Data";
    return {
      kind: "rejected",
      raw,
      errorName: InputErrorName.NotAnObject,
      message,
      line: lines.start,
      bytes: Buffer.byteLength(raw),
    };
  }
  const sequenceNumber =
    typeof record.SequenceNumber === "string" ? record.SequenceNumber : undefined;
  const origin = {
    line: sequenceNumber === undefined ? lines.start : lines.of(`"${sequenceNumber}"`),
    ...(sequenceNumber !== undefined && { sequenceNumber }),
  };
  const { Data: data } = record;
  const compact = typeof data === "string" ? data.replace(/\s+/g, "") : undefined;
  if (compact === undefined || compact.length % 4 !== 0 || !base64Text.test(compact)) {
    const raw = JSON.stringify(record);
    const message = `Record Data must be base64 text; got ${typeof data === "string" ? "text that is not base64" : JSON.stringify(data ?? null)}`;
    return {
      kind: "rejected",
      raw,
      errorName: InputErrorName.NotJson,
      message,
      ...origin,
      bytes: Buffer.byteLength(raw),
    };
  }
  const bytes = Buffer.from(compact, "base64");
  const arrivalTime = arrivalTimeOf(record.ApproximateArrivalTimestamp);
  return arrivalTime === null
    ? { kind: "event", data: bytes, ...origin, bytes: bytes.length }
    : { kind: "arrived", data: bytes, arrivalTime, ...origin, bytes: bytes.length };
}

/** Finds the line each record is on, searching forward from the previous one. */
class LineFinder {
  private index = 0;
  private line: number;

  constructor(
    private readonly text: string,
    readonly start: number,
  ) {
    this.line = start;
  }

  /** The line of the next occurrence of `needle`, or of the last found one if it does not occur. */
  of(needle: string): number {
    const found = this.text.indexOf(needle, this.index);
    if (found < 0) return this.line;
    for (let i = this.text.indexOf("\n", this.index); i >= 0 && i < found;) {
      this.line++;
      i = this.text.indexOf("\n", i + 1);
    }
    this.index = found;
    return this.line;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
