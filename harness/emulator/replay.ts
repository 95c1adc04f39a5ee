/**
 * Replay: runs a SQL application over recorded records, one JSON line each, and yields one
 * stream's rows as delivery objects (DESIGN.md's replay contract).
 *
 * A line is either an envelope `{"data": <object or base64 text>, "arrivalTime": <epoch ms>}`
 * (ROWTIME = arrivalTime) or a bare event object (data = the line itself; ROWTIME = its
 * `event_timestamp` when that maps to a BIGINT, otherwise the previous record's ROWTIME). Any other
 * line is a record that fails the schema and becomes an `error_stream` row. ROWTIME never goes
 * below the previous record's. Blank lines are skipped.
 */
import { loadApplication } from "./application";
import { compileRowJson, rowToDeliveryObject } from "./delivery";
import { deliveryJson, parseJson, type DeliveryValue } from "./json";
import { clickInputSchema, type InputSchema } from "../../sql/inputSchema";
import { bigintValue, InputErrorName } from "./inputMapping";
import { DecodedRecord, type RecordData } from "./recordDecoder";
import type { ApplicationOptions, Row, SqlApplication, StreamInfo } from "./types";

export interface ReplayOptions extends ApplicationOptions {
  /** The stream whose rows are yielded; default `DESTINATION_SQL_STREAM`. */
  readonly stream?: string;
  /** Trim CHAR padding in the yielded objects (default: keep it, as KDA delivers). */
  readonly trimChar?: boolean;
  /** Top-level field of a bare event that gives its ROWTIME; default `event_timestamp`. */
  readonly rowtimeField?: string;
}

/** Thrown by `createReplay` and `replayLines` when the requested stream does not exist. */
export class UnknownStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownStreamError";
  }
}

/** The stream replay yields when none is named. */
export const defaultReplayStream = "DESTINATION_SQL_STREAM";

const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A replay fed one line at a time (push style, for callers that read lines asynchronously). */
export interface Replay {
  /** The stream whose rows `feed` returns. */
  readonly stream: StreamInfo;
  /**
   * Feeds one line; returns the chosen stream's rows it caused, as delivery objects. A BIGINT
   * beyond 2^53 is a `bigint` in them: write them with `deliveryJson`, not `JSON.stringify`.
   */
  feed(line: string): Record<string, DeliveryValue>[];
  /**
   * Feeds one line; returns the chosen stream's rows it caused as JSON text, one line each ended
   * by `\n` ("" for none): the text `deliveryJson` writes for each of `feed`'s objects, exact
   * BIGINT digits included, written straight from the rows' values.
   */
  feedText(line: string): string;
}

/**
 * Loads `sqlText` for replay. Throws at once for unloadable SQL (`SqlLoadError`) or an unknown
 * stream name; `feed` never throws for a bad line.
 */
export function createReplay(sqlText: string, options: ReplayOptions = {}): Replay {
  const streamName = options.stream ?? defaultReplayStream;
  const sourceName = (options.inputSchema ?? clickInputSchema).streamName;
  const app = loadApplication(sqlText, {
    ...options,
    includeSourceRows: options.includeSourceRows === true || streamName === sourceName,
  });
  const stream = app.streams.get(streamName);
  if (stream === undefined) {
    throw new UnknownStreamError(
      `Unknown stream "${streamName}"; expected one of ${[...app.streams.keys()].map((n) => `"${n}"`).join(", ")}`,
    );
  }
  const feeder = new LineFeeder(
    app,
    options.rowtimeField ?? "event_timestamp",
    options.inputSchema ?? clickInputSchema,
  );
  const trim = { trimChar: options.trimChar === true };
  const rowJson = compileRowJson(stream, trim);
  const none: Record<string, DeliveryValue>[] = [];
  return {
    stream,
    feedText(line) {
      const rows = feeder.feed(line);
      if (rows === null) return "";
      let text = "";
      for (let i = 0; i < rows.length; i++) {
        if (rows[i].stream === streamName) text += rowJson(rows[i].values) + "\n";
      }
      return text;
    },
    feed(line) {
      const rows = feeder.feed(line);
      if (rows === null) return none;
      let result = none;
      for (let i = 0; i < rows.length; i++) {
        if (rows[i].stream !== streamName) continue;
        if (result === none) result = [];
        result.push(rowToDeliveryObject(stream, rows[i], trim));
      }
      return result;
    },
  };
}

/**
 * Runs `sqlText` over `lines` and yields the rows of `options.stream` (default
 * `DESTINATION_SQL_STREAM`) as delivery objects: keys in column order, TIMESTAMP as text, NULL as
 * null. Throws at once for unloadable SQL (`SqlLoadError`) or an unknown stream name; never for a
 * bad line.
 */
export function replayLines(
  sqlText: string,
  lines: Iterable<string>,
  options: ReplayOptions = {},
): IterableIterator<Record<string, DeliveryValue>> {
  const replay = createReplay(sqlText, options);
  return (function* () {
    for (const line of lines) yield* replay.feed(line);
  })();
}

/**
 * Turns replay lines into records for one application: finds each line's record and its arrival
 * time, and leaves decoding, mapping and the ROWTIME clamp to the application.
 */
export class LineFeeder {
  private readonly rowtimeColumn: number;

  constructor(
    private readonly app: SqlApplication,
    private readonly rowtimeField: string,
    inputSchema: InputSchema,
  ) {
    // A bare event's ROWTIME is its rowtime field as the input mapping reads a BIGINT.
    this.rowtimeColumn = inputSchema.columns.findIndex(
      (column) => column.type.kind === "BIGINT" && column.mapping === `$.${rowtimeField}`,
    );
  }

  /** Feeds one line; null for a blank line. */
  feed(line: string): Row[] | null {
    let parsed: unknown;
    try {
      parsed = parseJson(line);
    } catch (error) {
      if (line.trim() === "") return null;
      const message = `Record is not valid JSON: ${(error as Error).message}`;
      return this.reject(line, InputErrorName.NotJson, message, this.previous());
    }
    if (isPlainObject(parsed) && "data" in parsed && "arrivalTime" in parsed)
      return this.envelope(parsed, line);
    const record = this.app.decode({ parsed, raw: line });
    const own =
      record.values !== null && this.rowtimeColumn >= 0
        ? record.values[this.rowtimeColumn]
        : isPlainObject(parsed)
          ? bigintValue(parsed[this.rowtimeField])
          : null;
    const arrivalTime = typeof own === "number" ? own : this.previous();
    return this.app.push({ data: record, arrivalTime });
  }

  private envelope(envelope: Record<string, unknown>, line: string): Row[] {
    const { data, arrivalTime } = envelope;
    if (typeof arrivalTime !== "number" || !Number.isSafeInteger(arrivalTime)) {
      const message = `Envelope arrivalTime must be epoch milliseconds as an integer; got ${JSON.stringify(arrivalTime)}`;
      return this.reject(line, InputErrorName.Coercion, message, this.previous());
    }
    const record = this.envelopeData(data);
    if (record !== null) return this.app.push({ data: record, arrivalTime });
    if (typeof data === "string") {
      return this.reject(
        line,
        InputErrorName.NotJson,
        "Envelope data is text but not base64",
        arrivalTime,
      );
    }
    const kind = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
    const message = `Envelope data must be a JSON object or base64 text; got ${kind}`;
    return this.reject(line, InputErrorName.NotAnObject, message, arrivalTime);
  }

  /** The record an envelope carries (an object, or base64 of the bytes), or null for neither. */
  private envelopeData(data: unknown): RecordData | null {
    if (isPlainObject(data)) return { parsed: data, raw: deliveryJson(data) };
    if (typeof data !== "string") return null;
    const compact = data.replace(/\s+/g, "");
    if (compact.length % 4 !== 0 || !base64Text.test(compact)) return null;
    return Buffer.from(compact, "base64");
  }

  private reject(line: string, errorName: InputErrorName, message: string, arrivalTime: number) {
    return this.app.push({ data: DecodedRecord.rejected(line, errorName, message), arrivalTime });
  }

  /** The previous record's ROWTIME; 0 (the epoch) before the first record. */
  private previous(): number {
    return this.app.lastRowtime ?? 0;
  }
}
