/**
 * Feeds a source's records into a SQL application with the replay's framing rules
 * (docs/semantics.md, "Replay input"): a JSON line is an envelope `{"data", "arrivalTime"}` or a
 * bare event; a bare event, and any record that arrives without a time, takes its own
 * `event_timestamp` as ROWTIME, else the previous record's; a record with an arrival time takes
 * that. Decoding, mapping and the ROWTIME clamp stay with the application (`app.decode`,
 * `app.push`): this only decides what is the record and what is its arrival time.
 *
 * A line is framed by the emulator's `readReplayLine`, the rules `createReplay` follows too, and
 * `test/harness/replay/recordFeeder.test.ts` holds the two to the same rows on every golden case;
 * the CLIs use this feeder because they need every stream's rows of a record (the counts,
 * `--errors`, the report), not one stream's.
 */
import type { InputSchema } from "../../sql/inputSchema";
import {
  DecodedRecord,
  readReplayLine,
  type InputErrorName,
  type RecordData,
  type Row,
  type SqlApplication,
} from "../emulator";
import type { SourceRecord } from "./sourceRecord";

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What one record did: the rows it caused, and whether its timestamp column was missing. */
export interface FedRecord {
  readonly rows: readonly Row[];
  /** The record entered the source stream with a NULL event_timestamp (missing or null). */
  readonly missingTimestamp: boolean;
}

export class RecordFeeder {
  /** The source column a bare event's ROWTIME comes from (`event_timestamp`), or -1. */
  private readonly rowtimeColumn: number;

  constructor(
    private readonly app: SqlApplication,
    private readonly rowtimeField = "event_timestamp",
    inputSchema: InputSchema = app.inputSchema,
  ) {
    this.rowtimeColumn = inputSchema.columns.findIndex(
      (column) => column.type.kind === "BIGINT" && column.mapping === `$.${rowtimeField}`,
    );
  }

  /** Feeds one record; null for a blank line. */
  feed(record: SourceRecord): FedRecord | null {
    switch (record.kind) {
      case "line":
        return this.line(record.text);
      case "event":
        return this.ownTime(this.app.decode(record.data), record.data);
      case "arrived":
        return this.push(this.app.decode(record.data), record.arrivalTime);
      case "rejected":
        return this.reject(record.raw, record.errorName, record.message, this.previous());
    }
  }

  private line(text: string): FedRecord | null {
    // An envelope names "arrivalTime"; a line that does not (even through an escape) is a bare
    // event, decoded by the application's fast path without a JSON.parse here.
    if (!text.includes("arrivalTime") && !text.includes("\\u")) {
      if (text.trim() === "") return null;
      return this.ownTime(this.app.decode(text), text);
    }
    const read = readReplayLine(text);
    switch (read.kind) {
      case "blank":
        return null;
      case "rejected":
        return this.reject(text, read.errorName, read.message, read.arrivalTime ?? this.previous());
      case "arrived":
        return this.push(this.app.decode(read.data), read.arrivalTime);
      case "event":
        return this.ownTime(this.app.decode({ parsed: read.parsed, raw: text }), text);
    }
  }

  /**
   * A record without an arrival time: ROWTIME is its own timestamp where it maps to a BIGINT, even
   * when the record fails the schema for another field, else the previous record's.
   */
  private ownTime(record: DecodedRecord, data: RecordData): FedRecord {
    let own = record.values === null ? null : this.timestampOf(record.values);
    if (record.values === null && this.rowtimeColumn >= 0) {
      // Rejected for some field: map the timestamp field alone, as the input mapping reads it.
      const parsed = parseRecord(data);
      if (isPlainObject(parsed) && Object.hasOwn(parsed, this.rowtimeField)) {
        const alone = this.app.decode({
          parsed: { [this.rowtimeField]: parsed[this.rowtimeField] },
          raw: "",
        });
        own = alone.values === null ? null : this.timestampOf(alone.values);
      }
    }
    return this.push(record, own ?? this.previous());
  }

  private timestampOf(values: readonly unknown[]): number | null {
    const value = this.rowtimeColumn >= 0 ? values[this.rowtimeColumn] : null;
    return typeof value === "number" ? value : null;
  }

  private push(record: DecodedRecord, arrivalTime: number): FedRecord {
    const missingTimestamp =
      record.values !== null &&
      this.rowtimeColumn >= 0 &&
      record.values[this.rowtimeColumn] === null;
    return { rows: this.app.push({ data: record, arrivalTime }), missingTimestamp };
  }

  private reject(
    raw: string,
    errorName: InputErrorName,
    message: string,
    arrivalTime: number,
  ): FedRecord {
    const record = DecodedRecord.rejected(raw, errorName, message);
    return { rows: this.app.push({ data: record, arrivalTime }), missingTimestamp: false };
  }

  /** The previous record's ROWTIME; 0 (the epoch) before the first record. */
  private previous(): number {
    return this.app.lastRowtime ?? 0;
  }
}

/** The JSON value of a record's bytes or text, or undefined when it is not JSON. */
function parseRecord(data: RecordData): unknown {
  if (typeof data === "object" && !(data instanceof Uint8Array)) return data.parsed;
  try {
    return JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
