/**
 * Replay: runs a SQL application over recorded records, one JSON line each, and yields one
 * stream's rows as delivery objects (docs/architecture.md, "Replay").
 *
 * A line is either an envelope `{"data": <object or base64 text>, "arrivalTime": <epoch ms>}`
 * (ROWTIME = arrivalTime) or a bare event object (data = the line itself; ROWTIME = its
 * `event_timestamp` when that maps to a BIGINT, otherwise the previous record's ROWTIME). Any other
 * line is a record that fails the schema and becomes an `error_stream` row. ROWTIME never goes
 * below the previous record's. Blank lines are skipped.
 */
import { loadEngine, type Engine, type RowSink } from "./application";
import { compileDeliveryObject, compileRowJson } from "./delivery";
import { deliveryJson, parseJson, type DeliveryValue } from "./json";
import { clickInputSchema, type InputSchema } from "../../sql/inputSchema";
import { bigintValue, InputErrorName, InputRejection, type InputTruncation } from "./inputMapping";
import type { RecordData } from "./recordDecoder";
import { compileRecordScanner, type RecordScanner } from "./recordScanner";
import type { ApplicationOptions, SqlValue, StreamInfo } from "./types";

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
/**
 * What a replay line is, by the framing rules of docs/semantics.md ("Replay input"): a bare event
 * (parsed; its ROWTIME is the caller's to find), the record an envelope
 * `{"data": <object or base64 text>, "arrivalTime": <epoch ms>}` carries with its arrival time, a
 * line that is no record (the `error_stream` row's name and message, at the envelope's arrival time
 * or, when null, the previous record's ROWTIME), or a blank line (nothing). Every replay frames
 * lines with it: `createReplay` and the replay CLIs' feeder (`harness/replay/recordFeeder.ts`).
 */
export type ReplayLine =
  | { readonly kind: "blank" }
  | { readonly kind: "event"; readonly parsed: unknown }
  | { readonly kind: "arrived"; readonly data: RecordData; readonly arrivalTime: number }
  | {
      readonly kind: "rejected";
      readonly errorName: InputErrorName;
      readonly message: string;
      readonly arrivalTime: number | null;
    };

/** Reads one line (without its line end) by the replay's framing rules; never throws. */
export function readReplayLine(line: string): ReplayLine {
  let parsed: unknown;
  try {
    // parseJson: an integer beyond 2^53 in the record stays exact.
    parsed = parseJson(line);
  } catch (error) {
    if (line.trim() === "") return { kind: "blank" };
    const message = `Record is not valid JSON: ${(error as Error).message}`;
    return { kind: "rejected", errorName: InputErrorName.NotJson, message, arrivalTime: null };
  }
  if (!isPlainObject(parsed) || !("data" in parsed) || !("arrivalTime" in parsed))
    return { kind: "event", parsed };
  const { data, arrivalTime } = parsed;
  if (typeof arrivalTime !== "number" || !Number.isSafeInteger(arrivalTime)) {
    const message = `Envelope arrivalTime must be epoch milliseconds as an integer; got ${deliveryJson(arrivalTime)}`;
    return { kind: "rejected", errorName: InputErrorName.Coercion, message, arrivalTime: null };
  }
  if (isPlainObject(data)) {
    return { kind: "arrived", data: { parsed: data, raw: deliveryJson(data) }, arrivalTime };
  }
  if (typeof data === "string") {
    const compact = data.replace(/\s+/g, "");
    if (compact.length % 4 === 0 && base64Text.test(compact))
      return { kind: "arrived", data: Buffer.from(compact, "base64"), arrivalTime };
    const message = "Envelope data is text but not base64";
    return { kind: "rejected", errorName: InputErrorName.NotJson, message, arrivalTime };
  }
  const kind = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
  const message = `Envelope data must be a JSON object or base64 text; got ${kind}`;
  return { kind: "rejected", errorName: InputErrorName.NotAnObject, message, arrivalTime };
}

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
  const inputSchema = options.inputSchema ?? clickInputSchema;
  // Each row is written out before the next line, so the pumps may reuse their row arrays.
  const engine = loadEngine(sqlText, options, true);
  const stream = engine.streams.get(streamName);
  if (stream === undefined) {
    throw new UnknownStreamError(
      `Unknown stream "${streamName}"; expected one of ${[...engine.streams.keys()].map((n) => `"${n}"`).join(", ")}`,
    );
  }
  const feeder = new LineFeeder(engine, options.rowtimeField ?? "event_timestamp", inputSchema);
  const trim = { trimChar: options.trimChar === true };
  const rowJson = compileRowJson(stream, trim);
  const rowObject = compileDeliveryObject(stream, trim);
  const none: Record<string, DeliveryValue>[] = [];
  let text = "";
  let objects = none;
  const textSink: RowSink = (rowStream, values) => {
    if (rowStream === stream) text += rowJson(values) + "\n";
  };
  const objectSink: RowSink = (rowStream, values) => {
    if (rowStream !== stream) return;
    if (objects === none) objects = [];
    objects.push(rowObject(values));
  };
  return {
    stream,
    feedText(line) {
      text = "";
      feeder.feed(line, textSink);
      return text;
    },
    feed(line) {
      objects = none;
      feeder.feed(line, objectSink);
      return objects;
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
 * time, and leaves decoding, mapping and the ROWTIME clamp to the application. A bare event in the
 * schema's flat shape takes the scanner's fast path: no JSON value and no record object is built.
 */
export class LineFeeder {
  private readonly rowtimeColumn: number;
  private readonly scan: RecordScanner | null;
  /** The values the scanner cut on input in the current line; allocated only when one is. */
  private truncations: InputTruncation[] | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly rowtimeField: string,
    inputSchema: InputSchema,
  ) {
    // A bare event's ROWTIME is its rowtime field as the input mapping reads a BIGINT.
    this.rowtimeColumn = inputSchema.columns.findIndex(
      (column) => column.type.kind === "BIGINT" && column.mapping === `$.${rowtimeField}`,
    );
    // A flat record of a schema with "data" and "arrivalTime" fields would be an envelope.
    const fields = new Set(inputSchema.columns.map((column) => column.mapping));
    // The engine consumes a source row before the next line, so the scanner may reuse its array.
    this.scan =
      fields.has("$.data") && fields.has("$.arrivalTime")
        ? null
        : compileRecordScanner(inputSchema, false, (column, originalLength) => {
            (this.truncations ??= []).push({ column, originalLength });
          });
  }

  /** Feeds one line, its rows to `sink`; a blank line feeds nothing. */
  feed(line: string, sink: RowSink): void {
    // A byte-order mark before a record is ignored, as in every engine (docs/semantics.md).
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (this.scan !== null) {
      let values: SqlValue[] | undefined;
      this.truncations = null;
      try {
        values = this.scan(line);
      } catch (error) {
        // A value the mapping rejects: the general path reports it, ROWTIME included.
        if (!(error instanceof InputRejection)) throw error;
      }
      if (values !== undefined) {
        const own = this.rowtimeColumn >= 0 ? values[this.rowtimeColumn] : null;
        const arrivalTime = typeof own === "number" ? own : this.previous();
        this.engine.pushSourceRow(values, arrivalTime, sink, this.truncations);
        return;
      }
    }
    const read = readReplayLine(line);
    switch (read.kind) {
      case "blank":
        return;
      case "rejected": {
        const arrivalTime = read.arrivalTime ?? this.previous();
        return this.engine.pushRejection(line, read.errorName, read.message, arrivalTime, sink);
      }
      case "arrived":
        return this.engine.pushRecord({ data: read.data, arrivalTime: read.arrivalTime }, sink);
    }
    const parsed = read.parsed;
    const record = this.engine.decode({ parsed, raw: line });
    const own =
      record.values !== null && this.rowtimeColumn >= 0
        ? record.values[this.rowtimeColumn]
        : isPlainObject(parsed)
          ? bigintValue(parsed[this.rowtimeField])
          : null;
    const arrivalTime = typeof own === "number" ? own : this.previous();
    this.engine.pushRecord({ data: record, arrivalTime }, sink);
  }

  /** The previous record's ROWTIME; 0 (the epoch) before the first record. */
  private previous(): number {
    return this.engine.lastRowtime ?? 0;
  }
}
