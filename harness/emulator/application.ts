/**
 * A running SQL application: records in, rows out. Each record gets a ROWTIME (its arrival time,
 * clamped so it never decreases), is mapped to a source row, and flows depth-first through the
 * pumps in dependency order; every row a pump inserts is offered at once to the pumps reading its
 * stream. Bad records and rows that fail in a pump become `error_stream` rows.
 */
import { readSessionizeSql, clickInputSchema } from "../../sql/inputSchema";
import { errorStreamColumns, errorStreamName } from "../../sql/contracts";
import { SqlLoadError, SqlRowError } from "./errors";
import { PumpRuntime } from "./evaluator";
import { hexDataRow } from "./inputMapping";
import { parseSql } from "./parser";
import { planApplication } from "./planner";
import { compileRecordDecoder, DecodedRecord, type RecordData } from "./recordDecoder";
import { PartitionKeys, type WindowGroup } from "./windows";
import { rowToDeliveryObject } from "./delivery";
import { deliveryJson } from "./json";
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

class Application implements SqlApplication {
  readonly streams: ReadonlyMap<string, StreamInfo>;
  private readonly source: StreamInfo;
  readonly decode: (data: RecordData) => DecodedRecord;
  /** The pumps reading each stream, in dependency order. */
  private readonly consumers = new Map<string, PumpRuntime[]>();
  /** The partition keys of every window group. */
  private readonly keys = new PartitionKeys();
  /** The group of every window id, in pump and slot order. */
  private readonly windows = new Map<string, WindowGroup>();
  /** The groups whose partitions expire (RANGE frames only). */
  private readonly expiring: WindowGroup[] = [];
  private readonly includeSourceRows: boolean;
  private rowtime: number | null = null;

  constructor(sqlText: string, options: ApplicationOptions) {
    const inputSchema = options.inputSchema ?? clickInputSchema;
    const plan = planApplication(parseSql(sqlText), {
      inputSchema,
      timestampToCharNull: options.timestampToCharNull ?? "null",
    });
    this.streams = plan.streams;
    this.source = plan.source;
    this.decode = compileRecordDecoder(inputSchema);
    this.includeSourceRows = options.includeSourceRows === true;
    for (const pumpPlan of plan.pumps) {
      const pump = new PumpRuntime(pumpPlan, options.overflow ?? "error", this.keys);
      const list = this.consumers.get(pump.source.name) ?? [];
      list.push(pump);
      this.consumers.set(pump.source.name, list);
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
    const rowtime = this.advance(record.arrivalTime);
    const decoded = record.data instanceof DecodedRecord ? record.data : this.decode(record.data);
    const out: Row[] = [];
    if (decoded.values === null) {
      const { errorName, message } = decoded.rejection!;
      out.push(this.errorRow(rowtime, errorName, message, hexDataRow(decoded.raw), null));
    } else {
      this.insert(this.source, decoded.values, rowtime, out);
    }
    return out;
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
    out: Row[],
  ): void {
    if (stream !== this.source || this.includeSourceRows)
      out.push({ stream: stream.name, rowtime, values });
    const pumps = this.consumers.get(stream.name);
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
        const data = deliveryJson(
          rowToDeliveryObject(stream, { stream: stream.name, rowtime, values }),
        );
        out.push(
          this.errorRow(rowtime, error.errorName, error.message, hexDataRow(data), pump.name),
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
    const values = [rowtime, "ERROR", errorName, message, rowtime, dataRow, pumpName];
    return {
      stream: errorStreamName,
      rowtime,
      values: values.map((value, i) =>
        typeof value === "string" ? value.slice(0, errorColumnLengths[i]) : value,
      ),
    };
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

/**
 * Parses, plans and compiles a SQL application. Throws `SqlLoadError` (with line and column) for
 * SQL the harness cannot run. `loadApplication(readSessionizeSql())` runs the lab's SQL.
 */
export function loadApplication(sqlText: string, options: ApplicationOptions = {}): SqlApplication {
  try {
    return new Application(sqlText, options);
  } catch (error) {
    if (error instanceof SqlLoadError && options.sqlFile !== undefined)
      throw error.inFile(options.sqlFile);
    throw error;
  }
}

/** The lab's SQL application, as deployed. */
export function loadSessionizeApplication(options: ApplicationOptions = {}): SqlApplication {
  return loadApplication(readSessionizeSql(), options);
}
