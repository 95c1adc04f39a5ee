/**
 * A running SQL application: records in, rows out. Each record gets a ROWTIME (its arrival time,
 * clamped so it never decreases), is mapped to a source row, and flows depth-first through the
 * pumps in dependency order; every row a pump inserts is offered at once to the pumps reading its
 * stream. Bad records and rows that fail in a pump become `error_stream` rows.
 */
import { readSessionizeSql, clickInputSchema, type InputSchema } from "../../sql/inputSchema";
import { errorStreamColumns, errorStreamName } from "../../sql/contracts";
import { SqlLoadError, SqlRowError } from "./errors";
import { PumpRuntime } from "./evaluator";
import { hexDataRow, type InputErrorName, type InputTruncation } from "./inputMapping";
import { parseSql } from "./parser";
import { planApplication } from "./planner";
import { compileRecordDecoder, DecodedRecord, type RecordData } from "./recordDecoder";
import { ValueTooLongError } from "./sqlTypes";
import { PartitionKeys, type WindowGroup } from "./windows";
import { compileRowJson } from "./delivery";
import type {
  ApplicationOptions,
  EngineSnapshot,
  InputRecord,
  PartitionSnapshot,
  Row,
  SqlApplication,
  SqlValue,
  StreamInfo,
} from "./types";

/** The VARCHAR widths of `error_stream`'s columns, in column order (undefined for TIMESTAMP). */
const errorColumnLengths = errorStreamColumns.map((column) =>
  column.type.kind === "VARCHAR" ? column.type.length : undefined,
);

/**
 * Receives every row a record causes, in emission order, source rows included. When the engine
 * reuses row arrays (`reuseRows`), `values` are valid only during the call.
 */
export type RowSink = (stream: StreamInfo, values: readonly SqlValue[], rowtime: number) => void;

/**
 * The application behind `SqlApplication`, with the entry points the replay uses to feed lines
 * without building a record or a row object per line.
 */
export class Engine implements SqlApplication {
  readonly streams: ReadonlyMap<string, StreamInfo>;
  readonly source: StreamInfo;
  readonly inputSchema: InputSchema;
  readonly decode: (data: RecordData) => DecodedRecord;
  private readonly errorStream: StreamInfo;
  /** The pumps reading each stream, in dependency order. */
  private readonly consumers = new Map<StreamInfo, PumpRuntime[]>();
  /** The partition keys of every window group. */
  private readonly keys = new PartitionKeys();
  /** The group of every window id, in pump and slot order. */
  private readonly windows = new Map<string, WindowGroup>();
  /** The groups whose partitions expire (RANGE frames only). */
  private readonly expiring: WindowGroup[] = [];
  private readonly includeSourceRows: boolean;
  private rowtime: number | null = null;
  /**
   * The source values the current record had cut on input, with their lengths before the cut; null
   * (the common case) when none was. A pump's overflow of such a value names the original length.
   */
  private truncatedInput: { value: SqlValue; originalLength: number }[] | null = null;

  /**
   * `reuseRows`: every pump writes its rows into one array it reuses, for callers whose sink
   * consumes each row before the next record (the replay); `push` needs fresh rows.
   */
  constructor(sqlText: string, options: ApplicationOptions, reuseRows = false) {
    const inputSchema = options.inputSchema ?? clickInputSchema;
    this.inputSchema = inputSchema;
    const plan = planApplication(parseSql(sqlText), {
      inputSchema,
      timestampToCharNull: options.timestampToCharNull ?? "null",
    });
    this.streams = plan.streams;
    this.source = plan.source;
    this.errorStream = plan.streams.get(errorStreamName)!;
    this.decode = compileRecordDecoder(inputSchema);
    this.includeSourceRows = options.includeSourceRows === true;
    for (const pumpPlan of plan.pumps) {
      const pump = new PumpRuntime(pumpPlan, options.overflow ?? "error", this.keys, reuseRows);
      const list = this.consumers.get(pump.source) ?? [];
      list.push(pump);
      this.consumers.set(pump.source, list);
      for (const group of pump.groups) {
        for (const id of group.ids) this.windows.set(id, group);
        if (group.expires) this.expiring.push(group);
      }
    }
  }

  get lastRowtime(): number | null {
    return this.rowtime;
  }

  push(record: InputRecord): Row[] {
    const out: Row[] = [];
    const includeSource = this.includeSourceRows;
    const source = this.source;
    this.pushRecord(record, (stream, values, rowtime) => {
      if (stream !== source || includeSource) out.push({ stream: stream.name, rowtime, values });
    });
    return out;
  }

  /** `push`, with the rows to `sink`. */
  pushRecord(record: InputRecord, sink: RowSink): void {
    const rowtime = this.advance(record.arrivalTime);
    const decoded = record.data instanceof DecodedRecord ? record.data : this.decode(record.data);
    if (decoded.values === null) {
      const { errorName, message } = decoded.rejection!;
      this.emitError(rowtime, errorName, message, hexDataRow(decoded.raw), null, sink);
    } else this.insertSource(decoded.values, decoded.truncations, rowtime, sink);
  }

  /**
   * Feeds a record whose text the flat-record scanner accepts as the source row `values`, at
   * `arrivalTime`: `push` without a decoded record in between. `truncations`: the values the
   * scanner cut on input.
   */
  pushSourceRow(
    values: readonly SqlValue[],
    arrivalTime: number,
    sink: RowSink,
    truncations: readonly InputTruncation[] | null = null,
  ): void {
    this.insertSource(values, truncations, this.advance(arrivalTime), sink);
  }

  private insertSource(
    values: readonly SqlValue[],
    truncations: readonly InputTruncation[] | null,
    rowtime: number,
    sink: RowSink,
  ): void {
    this.truncatedInput =
      truncations === null
        ? null
        : truncations.map(({ column, originalLength }) => ({
            value: values[column],
            originalLength,
          }));
    this.insert(this.source, values, rowtime, sink);
  }

  /** The one clamp of ROWTIME: a record's arrival time, never below the previous record's. */
  advance(arrivalTime: number): number {
    if (typeof arrivalTime !== "number" || !Number.isFinite(arrivalTime)) {
      throw new TypeError(
        `arrivalTime must be epoch milliseconds as a finite number; got ${String(arrivalTime)}`,
      );
    }
    const rowtime =
      this.rowtime !== null && arrivalTime < this.rowtime ? this.rowtime : Math.floor(arrivalTime);
    this.rowtime = rowtime;
    // No later row can read a partition whose rows have all left its RANGE frames: forget it.
    for (let i = 0; i < this.expiring.length; i++) this.expiring[i].expire(rowtime);
    return rowtime;
  }

  private insert(
    stream: StreamInfo,
    values: readonly SqlValue[],
    rowtime: number,
    sink: RowSink,
  ): void {
    sink(stream, values, rowtime);
    const pumps = this.consumers.get(stream);
    if (pumps === undefined) return;
    for (let i = 0; i < pumps.length; i++) {
      const pump = pumps[i];
      let output: SqlValue[] | null;
      try {
        output = pump.evaluate(values, rowtime);
      } catch (error) {
        if (!(error instanceof SqlRowError)) throw error;
        // docs/semantics.md, "error_stream": DATA_ROW of a pump error is the input row's
        // delivery JSON, hex-encoded.
        const data = rowJson(stream)(values);
        const { message } = this.withOriginalLength(error);
        this.emitError(rowtime, error.errorName, message, hexDataRow(data), pump.name, sink);
        continue;
      }
      if (output !== null) this.insert(pump.target, output, rowtime, sink);
    }
  }

  /**
   * A pump's overflow of a value the input mapping cut names the value's original length
   * (docs/semantics.md, "Types and overflow"). The overflowing value is matched by equality with
   * the cut source values: a pump that copies the column stores exactly that string.
   */
  private withOriginalLength(error: SqlRowError): SqlRowError {
    if (this.truncatedInput === null || !(error instanceof ValueTooLongError)) return error;
    const cut = this.truncatedInput.find(({ value }) => value === error.value);
    return cut === undefined ? error : error.withOriginalLength(cut.originalLength);
  }

  private emitError(
    rowtime: number,
    errorName: string,
    message: string,
    dataRow: string,
    pumpName: string | null,
    sink: RowSink,
  ): void {
    const values = [rowtime, "ERROR", errorName, message, rowtime, dataRow, pumpName];
    sink(
      this.errorStream,
      values.map((value, i) =>
        typeof value === "string" ? value.slice(0, errorColumnLengths[i]) : value,
      ),
      rowtime,
    );
  }

  /** An error row for a record rejected before mapping (the replay's framing). */
  pushRejection(
    raw: Uint8Array | string,
    errorName: InputErrorName,
    message: string,
    arrivalTime: number,
    sink: RowSink,
  ): void {
    const rowtime = this.advance(arrivalTime);
    this.emitError(rowtime, errorName, message, hexDataRow(raw), null, sink);
  }

  snapshot(filter?: (key: readonly SqlValue[]) => boolean): EngineSnapshot {
    const partitions: PartitionSnapshot[] = [];
    for (const [id, group] of this.windows) partitions.push(...group.snapshot(id, filter));
    return { version: 1, lastRowtime: this.rowtime, partitions };
  }

  restore(snapshot: EngineSnapshot): void {
    if (snapshot.version !== 1) {
      throw new TypeError(
        `Unsupported snapshot version ${JSON.stringify(snapshot.version)}; expected 1`,
      );
    }
    for (const partition of snapshot.partitions) {
      const group = this.windows.get(partition.window);
      if (group === undefined) {
        throw new TypeError(
          `Snapshot names window "${partition.window}", which this SQL does not have; expected one of ` +
            [...this.windows.keys()].map((k) => `"${k}"`).join(", "),
        );
      }
      group.restore(partition.window, partition);
    }
    this.rowtime = snapshot.lastRowtime;
  }

  partitionCounts(): Record<string, number> {
    return Object.fromEntries([...this.windows].map(([id, group]) => [id, group.size]));
  }
}

/** The delivery JSON of a stream's rows, compiled once per stream. */
const rowJsonCache = new WeakMap<StreamInfo, (values: readonly SqlValue[]) => string>();

function rowJson(stream: StreamInfo): (values: readonly SqlValue[]) => string {
  let compiled = rowJsonCache.get(stream);
  if (compiled === undefined) {
    compiled = compileRowJson(stream);
    rowJsonCache.set(stream, compiled);
  }
  return compiled;
}

/** Loads SQL as an `Engine`, naming the SQL file in load errors when given. */
export function loadEngine(
  sqlText: string,
  options: ApplicationOptions = {},
  reuseRows = false,
): Engine {
  try {
    return new Engine(sqlText, options, reuseRows);
  } catch (error) {
    if (error instanceof SqlLoadError && options.sqlFile !== undefined)
      throw error.inFile(options.sqlFile);
    throw error;
  }
}

/**
 * Parses, plans and compiles a SQL application. Throws `SqlLoadError` (with line and column) for
 * SQL the harness cannot run. `loadApplication(readSessionizeSql())` runs the lab's SQL.
 */
export function loadApplication(sqlText: string, options: ApplicationOptions = {}): SqlApplication {
  return loadEngine(sqlText, options);
}

/** The lab's SQL application, as deployed. */
export function loadSessionizeApplication(options: ApplicationOptions = {}): SqlApplication {
  return loadApplication(readSessionizeSql(), options);
}
