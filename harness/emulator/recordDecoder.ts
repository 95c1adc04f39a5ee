/**
 * The one place a record becomes a source row. Bytes and text are decoded as UTF-8 and parsed as
 * JSON (flat records through the scanner's fast path, which parses and maps in one step), a value a
 * caller has already parsed is taken as it is, and the input mapping turns the result into the
 * source stream's values, or into the rejection that makes the record an `error_stream` row
 * (docs/semantics.md, "Input mapping").
 */
import type { InputSchema } from "../../sql/inputSchema";
import {
  compileInputMapping,
  InputErrorName,
  InputRejection,
  type InputTruncation,
} from "./inputMapping";
import { parseJson } from "./json";
import { compileRecordScanner } from "./recordScanner";
import type { SqlValue } from "./types";

/**
 * A record a caller has parsed itself (a replay line), with the raw form `DATA_ROW` shows. An
 * integer beyond 2^53 must be in `parsed` as a `bigint` to map exactly (`parseJson` reads it so);
 * a rounded number is taken as the double it is.
 */
export interface ParsedRecord {
  readonly parsed: unknown;
  readonly raw: Uint8Array | string;
}

/** A record's content: raw bytes, text, or an already parsed JSON value with its raw form. */
export type RecordData = Uint8Array | string | ParsedRecord;

/** Why a record cannot enter the source stream: its `error_stream` row's ERROR_NAME and MESSAGE. */
export interface RecordRejection {
  readonly errorName: string;
  readonly message: string;
}

/**
 * A record decoded and mapped once: the source row's values, or the rejection. Callers that must
 * look at a record before it is pushed (the sessionizer learns its partition key, the replay its
 * ROWTIME) get one from `SqlApplication.decode` and push it without a second decode.
 */
export class DecodedRecord {
  private constructor(
    /** The source row, in the input schema's column order; null when the record is rejected. */
    readonly values: readonly SqlValue[] | null,
    readonly rejection: RecordRejection | null,
    /** The record as it arrived, for the `DATA_ROW` of its error row. */
    readonly raw: Uint8Array | string,
    /**
     * The values cut to their column's length on input, or null (the common case) when none was:
     * an overflow of such a value in a pump names its original length.
     */
    readonly truncations: readonly InputTruncation[] | null = null,
  ) {}

  static accepted(
    values: readonly SqlValue[],
    raw: Uint8Array | string,
    truncations: readonly InputTruncation[] | null = null,
  ): DecodedRecord {
    return new DecodedRecord(values, null, raw, truncations);
  }

  /**
   * A record rejected before mapping, for callers whose own framing fails (a replay envelope with a
   * bad `arrivalTime`). `errorName` is one of `InputErrorName`.
   */
  static rejected(
    raw: Uint8Array | string,
    errorName: InputErrorName,
    message: string,
  ): DecodedRecord {
    return new DecodedRecord(null, { errorName, message }, raw);
  }
}

const utf8 = new TextDecoder("utf-8");

function isParsedRecord(data: RecordData): data is ParsedRecord {
  return typeof data === "object" && !(data instanceof Uint8Array);
}

/** Compiles the decoder of one input schema. Never throws for bad data. */
export function compileRecordDecoder(schema: InputSchema): (data: RecordData) => DecodedRecord {
  // The values the current record had cut on input; allocated only when one is.
  let truncations: InputTruncation[] | null = null;
  const onTruncate = (column: number, originalLength: number): void => {
    (truncations ??= []).push({ column, originalLength });
  };
  const map = compileInputMapping(schema, onTruncate);
  const scan = compileRecordScanner(schema, false, onTruncate);
  const accepted = (values: readonly SqlValue[], raw: Uint8Array | string): DecodedRecord =>
    DecodedRecord.accepted(values, raw, truncations);
  return (data) => {
    const raw = isParsedRecord(data) ? data.raw : data;
    truncations = null;
    try {
      if (isParsedRecord(data)) return accepted(map(data.parsed), raw);
      // Bytes are decoded as UTF-8; invalid sequences become U+FFFD, as KDA reads them. A
      // byte-order mark before the record is ignored (the decoder drops it from bytes itself).
      let text = typeof data === "string" ? data : utf8.decode(data);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const scanned = scan === null ? undefined : scan(text);
      if (scanned !== undefined) return accepted(scanned, raw);
      let parsed: unknown;
      try {
        parsed = parseJson(text);
      } catch (error) {
        const message = `Record is not valid JSON: ${(error as Error).message}`;
        return DecodedRecord.rejected(raw, InputErrorName.NotJson, message);
      }
      return accepted(map(parsed), raw);
    } catch (error) {
      if (!(error instanceof InputRejection)) throw error;
      return DecodedRecord.rejected(raw, error.errorName, error.message);
    }
  };
}
