/**
 * A running SQL application: records in, rows out. Each record gets a ROWTIME (its arrival time,
 * clamped so it never decreases), is mapped to a source row, and flows depth-first through the
 * pumps in dependency order; every row a pump inserts is offered at once to the pumps reading its
 * stream. Bad records and rows that fail in a pump become `error_stream` rows.
 */
import { readSessionizeSql, clickInputSchema } from "../../sql/inputSchema";
import { errorStreamName } from "./bound";
import { SqlRowError } from "./errors";
import { PumpRuntime, RowFailure } from "./evaluator";
import {
  compileInputMapping,
  hexDataRow,
  InputRejection,
  parseRecord,
  recordText,
} from "./inputMapping";
import { parseSql } from "./parser";
import { compileRecordScanner, type RecordScanner } from "./recordScanner";
import { planApplication } from "./planner";
import type { WindowRuntime } from "./windows";
import { rowToDeliveryObject } from "./delivery";
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

const maxMessageLength = 4096;

class Application implements SqlApplication {
  readonly streams: ReadonlyMap<string, StreamInfo>;
  private readonly source: StreamInfo;
  private readonly mapRecord: (record: unknown) => SqlValue[];
  /** The fast path for flat records; null when the schema needs the general path. */
  private readonly scanRecord: RecordScanner | null;
  /** The pumps reading each stream, in dependency order. */
  private readonly consumers = new Map<string, PumpRuntime[]>();
  private readonly windows = new Map<string, WindowRuntime>();
  private readonly includeSourceRows: boolean;
  private readonly mappings: readonly string[];
  private lastRowtime: number | null = null;

  constructor(sqlText: string, options: ApplicationOptions) {
    const inputSchema = options.inputSchema ?? clickInputSchema;
    const plan = planApplication(parseSql(sqlText), {
      inputSchema,
      timestampToCharNull: options.timestampToCharNull ?? "null",
    });
    this.streams = plan.streams;
    this.source = plan.source;
    this.mapRecord = compileInputMapping(inputSchema);
    this.scanRecord = compileRecordScanner(inputSchema);
    this.mappings = inputSchema.columns.map((c) => c.mapping);
    this.includeSourceRows = options.includeSourceRows === true;
    for (const pumpPlan of plan.pumps) {
      const pump = new PumpRuntime(pumpPlan, options.overflow ?? "error");
      const list = this.consumers.get(pump.source.name) ?? [];
      list.push(pump);
      this.consumers.set(pump.source.name, list);
      for (const window of pump.windows) this.windows.set(window.id, window);
    }
  }

  push(record: InputRecord): Row[] {
    const rowtime = this.advance(record.arrivalTime);
    const out: Row[] = [];
    let values: SqlValue[];
    try {
      const text = recordText(record.data);
      values =
        (this.scanRecord !== null ? this.scanRecord(text) : undefined) ??
        this.mapRecord(parseRecord(text));
    } catch (error) {
      if (!(error instanceof InputRejection)) throw error;
      out.push(
        this.errorRow(rowtime, error.errorName, error.message, hexDataRow(record.data), null),
      );
      return out;
    }
    this.insert(this.source, values, rowtime, out);
    return out;
  }

  /**
   * Maps an already parsed record to source row values, or says why it cannot enter the source
   * stream. With `pushValues` and `pushRejection` this is `push` in steps, so the replay parses
   * each line once and reads ROWTIME from the mapped row.
   */
  mapParsed(parsed: unknown): SqlValue[] | InputRejection {
    try {
      return this.mapRecord(parsed);
    } catch (error) {
      if (error instanceof InputRejection) return error;
      throw error;
    }
  }

  /** Feeds a mapped source row (see `mapParsed`). */
  pushValues(values: SqlValue[], arrivalTime: number): Row[] {
    const rowtime = this.advance(arrivalTime);
    const out: Row[] = [];
    this.insert(this.source, values, rowtime, out);
    return out;
  }

  /** Emits the `error_stream` row of a rejected record (see `mapParsed`). */
  pushRejection(rejection: InputRejection, raw: Uint8Array | string, arrivalTime: number): Row[] {
    const rowtime = this.advance(arrivalTime);
    return [this.errorRow(rowtime, rejection.errorName, rejection.message, hexDataRow(raw), null)];
  }

  /** The index of the source column a top-level field maps to, when that column is a BIGINT. */
  bigintColumnOf(field: string): number {
    return this.source.columns.findIndex(
      (column, i) => column.type.kind === "BIGINT" && this.mappings[i] === `$.${field}`,
    );
  }

  /** Records a record that is rejected before mapping (a replay line that is not a record). */
  pushRejected(
    raw: Uint8Array | string,
    arrivalTime: number | null,
    errorName: string,
    message: string,
  ): Row[] {
    const rowtime = this.advance(arrivalTime ?? this.lastRowtime ?? 0);
    return [this.errorRow(rowtime, errorName, message, hexDataRow(raw), null)];
  }

  /** The ROWTIME of the current record: its arrival time, never below the previous one. */
  private advance(arrivalTime: number): number {
    if (typeof arrivalTime !== "number" || !Number.isFinite(arrivalTime)) {
      throw new TypeError(
        `arrivalTime must be epoch milliseconds as a finite number; got ${String(arrivalTime)}`,
      );
    }
    const rowtime =
      this.lastRowtime !== null && arrivalTime < this.lastRowtime
        ? this.lastRowtime
        : Math.floor(arrivalTime);
    this.lastRowtime = rowtime;
    return rowtime;
  }

  private insert(stream: StreamInfo, values: SqlValue[], rowtime: number, out: Row[]): void {
    if (stream !== this.source || this.includeSourceRows)
      out.push({ stream: stream.name, rowtime, values });
    const pumps = this.consumers.get(stream.name);
    if (pumps === undefined) return;
    for (let i = 0; i < pumps.length; i++) {
      const pump = pumps[i];
      let output: SqlValue[] | null | RowFailure;
      try {
        output = pump.evaluate(values, rowtime);
      } catch (error) {
        if (!(error instanceof SqlRowError)) throw error;
        output = RowFailure.of(error);
      }
      if (output instanceof RowFailure) {
        const data = JSON.stringify(
          rowToDeliveryObject(stream, { stream: stream.name, rowtime, values }),
        );
        out.push(
          this.errorRow(rowtime, output.errorName, output.message, hexDataRow(data), pump.name),
        );
        continue;
      }
      if (output !== null) this.insert(pump.target, output, rowtime, out);
    }
  }

  private errorRow(
    rowtime: number,
    errorName: string,
    message: string,
    dataRow: string,
    pumpName: string | null,
  ): Row {
    return {
      stream: errorStreamName,
      rowtime,
      values: [
        rowtime,
        "ERROR",
        errorName.slice(0, 32),
        message.slice(0, maxMessageLength),
        rowtime,
        dataRow,
        pumpName === null ? null : pumpName.slice(0, 128),
      ],
    };
  }

  snapshot(filter?: (key: readonly SqlValue[]) => boolean): EngineSnapshot {
    const partitions: PartitionSnapshot[] = [];
    for (const window of this.windows.values()) partitions.push(...window.snapshot(filter));
    return { version: 1, lastRowtime: this.lastRowtime, partitions };
  }

  restore(snapshot: EngineSnapshot): void {
    if (snapshot.version !== 1) {
      throw new TypeError(
        `Unsupported snapshot version ${JSON.stringify(snapshot.version)}; expected 1`,
      );
    }
    for (const partition of snapshot.partitions) {
      const window = this.windows.get(partition.window);
      if (window === undefined) {
        throw new TypeError(
          `Snapshot names window "${partition.window}", which this SQL does not have; expected one of ` +
            [...this.windows.keys()].map((k) => `"${k}"`).join(", "),
        );
      }
      window.restore(partition);
    }
    this.lastRowtime = snapshot.lastRowtime;
  }

  /** Partitions with state, per window id (for memory checks and tools). */
  partitionCounts(): Record<string, number> {
    return Object.fromEntries([...this.windows].map(([id, w]) => [id, w.partitionCount]));
  }
}

/** The application class with the fast paths the replay uses; not part of the public contract. */
export type ApplicationImplementation = Application;

/**
 * Parses, plans and compiles a SQL application. Throws `SqlLoadError` (with line and column) for
 * SQL the harness cannot run. `loadApplication(readSessionizeSql())` runs the lab's SQL.
 */
export function loadApplication(sqlText: string, options: ApplicationOptions = {}): SqlApplication {
  return new Application(sqlText, options);
}

/** `loadApplication` returning the implementation, for the replay and tools in this package. */
export function loadApplicationImplementation(
  sqlText: string,
  options: ApplicationOptions = {},
): Application {
  return new Application(sqlText, options);
}

/** The lab's SQL application, as deployed. */
export function loadSessionizeApplication(options: ApplicationOptions = {}): SqlApplication {
  return loadApplication(readSessionizeSql(), options);
}
