/**
 * Feeds a source's records into a SQL application with the replay's framing rules
 * (docs/semantics.md, "Replay input"): a JSON line is an envelope `{"data", "arrivalTime"}` or a
 * bare event; a bare event, and any record that arrives without a time, takes its own
 * `event_timestamp` as ROWTIME, else the previous record's; a record with an arrival time takes
 * that. Decoding, mapping and the ROWTIME clamp stay with the application (`app.decode`,
 * `app.push`): this only decides what is the record and what is its arrival time.
 *
 * It keeps the rules of the emulator's `createReplay`, and `test/harness/replay/recordFeeder.test.ts`
 * holds the two to the same rows on every golden case; the CLIs use this one because they need
 * every stream's rows of a record (the counts, `--errors`, the report), not one stream's.
 */
import { clickInputSchema, type InputSchema } from "../../sql/inputSchema";
import {
  DecodedRecord,
  deliveryJson,
  InputErrorName,
  parseJson,
  type RecordData,
  type Row,
  type SqlApplication,
} from "../emulator";
import type { SourceRecord } from "./sourceRecord";

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

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
    inputSchema: InputSchema = clickInputSchema,
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
    let parsed: unknown;
    try {
      // An integer beyond 2^53 stays exact (a bigint), as the emulator's own replay reads it.
      parsed = parseJson(text);
    } catch (error) {
      const message = `Record is not valid JSON: ${(error as Error).message}`;
      return this.reject(text, InputErrorName.NotJson, message, this.previous());
    }
    if (isPlainObject(parsed) && "data" in parsed && "arrivalTime" in parsed) {
      return this.envelope(parsed, text);
    }
    return this.ownTime(this.app.decode({ parsed, raw: text }), text);
  }

  private envelope(envelope: Record<string, unknown>, line: string): FedRecord {
    const { data, arrivalTime } = envelope;
    if (typeof arrivalTime !== "number" || !Number.isSafeInteger(arrivalTime)) {
      const message = `Envelope arrivalTime must be epoch milliseconds as an integer; got ${deliveryJson(arrivalTime)}`;
      return this.reject(line, InputErrorName.Coercion, message, this.previous());
    }
    const record = envelopeData(data);
    if (record !== null) return this.push(this.app.decode(record), arrivalTime);
    if (typeof data === "string") {
      const message = "Envelope data is text but not base64";
      return this.reject(line, InputErrorName.NotJson, message, arrivalTime);
    }
    const kind = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
    const message = `Envelope data must be a JSON object or base64 text; got ${kind}`;
    return this.reject(line, InputErrorName.NotAnObject, message, arrivalTime);
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

/** The record an envelope carries (an object, or base64 of the bytes), or null for neither. */
function envelopeData(data: unknown): RecordData | null {
  if (isPlainObject(data)) return { parsed: data, raw: deliveryJson(data) };
  if (typeof data !== "string") return null;
  const compact = data.replace(/\s+/g, "");
  if (compact.length % 4 !== 0 || !base64Text.test(compact)) return null;
  return Buffer.from(compact, "base64");
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
