/**
 * The public contract of the KDA SQL harness: what the CLIs, the local pipeline, the Lambda engine,
 * the benchmarks and the tests rely on. The engine behind it (lexer -> parser -> planner -> evaluator)
 * may change freely; these shapes change only with every caller.
 */
import type { InputSchema } from "../../sql/inputSchema";
import type { DecodedRecord, RecordData } from "./recordDecoder";

/**
 * A value of one column. INTEGER, DOUBLE and DECIMAL are numbers; BIGINT is a number while it is
 * a safe integer (|v| <= 2^53 - 1) and an exact `bigint` beyond, up to 64 bits; TIMESTAMP is epoch
 * milliseconds (UTC) as a number; CHAR and VARCHAR are strings (CHAR already blank-padded);
 * BOOLEAN is a boolean; SQL NULL is `null`.
 */
export type SqlValue = string | number | bigint | boolean | null;

export type ColumnTypeKind =
  | "CHAR"
  | "VARCHAR"
  | "BIGINT"
  | "INTEGER"
  | "SMALLINT"
  | "DOUBLE"
  | "REAL"
  | "DECIMAL"
  | "BOOLEAN"
  | "TIMESTAMP";

export interface ColumnType {
  readonly kind: ColumnTypeKind;
  /** Length of CHAR(n) / VARCHAR(n). */
  readonly length?: number;
}

export interface StreamColumn {
  /** Case-sensitive name as the SQL declares it (quoted names keep their case, others fold to upper). */
  readonly name: string;
  readonly type: ColumnType;
}

export interface StreamInfo {
  readonly name: string;
  readonly columns: readonly StreamColumn[];
}

/**
 * One record as it enters the application and the time it arrived (epoch ms): raw bytes or text, a
 * value the caller already parsed, or a record from `SqlApplication.decode`.
 */
export interface InputRecord {
  readonly data: RecordData | DecodedRecord;
  readonly arrivalTime: number;
}

/** One row emitted on an in-application stream; `values` follow the stream's column order. */
export interface Row {
  readonly stream: string;
  readonly rowtime: number;
  readonly values: readonly SqlValue[];
}

/** Window state of one partition of one window function, as JSON-serialisable data. */
export interface PartitionSnapshot {
  /** Stable id of the window function within the application (pump name and position). */
  readonly window: string;
  /** The PARTITION BY values. */
  readonly key: readonly SqlValue[];
  readonly state: unknown;
}

/** Everything a consumer must persist to resume the application where it stopped. */
export interface EngineSnapshot {
  readonly version: 1;
  /** The greatest ROWTIME seen so far, or null before the first record. */
  readonly lastRowtime: number | null;
  readonly partitions: readonly PartitionSnapshot[];
}

export interface ApplicationOptions {
  /** The SQL's file, named in load errors (`sql/my.sql:3:41: Unknown window unit "WEEK" ...`). */
  readonly sqlFile?: string;
  /** Defaults to the lab's click schema from `sql/inputSchema.ts`. */
  readonly inputSchema?: InputSchema;
  /** VARCHAR/CHAR overflow on a pump's INSERT: `error` (default, row to error_stream) or `truncate`. */
  readonly overflow?: "error" | "truncate";
  /** TIMESTAMP_TO_CHAR of NULL: SQL `null` (default) or the string `"null"` as AWS's page claims. */
  readonly timestampToCharNull?: "null" | "string";
  /**
   * Whether `push` also returns the rows of the source stream (`SOURCE_SQL_STREAM_001`). Off by
   * default: a consumer rarely wants them and leaving them out keeps the hot path lean.
   */
  readonly includeSourceRows?: boolean;
}

/** A loaded SQL application, fed one record at a time. */
export interface SqlApplication {
  /** Every stream by name: the source stream, the declared streams and `error_stream`. */
  readonly streams: ReadonlyMap<string, StreamInfo>;
  /** How records map to the source stream's columns (`ApplicationOptions.inputSchema`). */
  readonly inputSchema: InputSchema;
  /**
   * Feeds one record; returns every row it caused on the declared streams and on `error_stream`,
   * in emission order (depth-first through the pumps). Rows of the source stream are left out
   * unless `includeSourceRows` is set. The record's ROWTIME is `arrivalTime`, clamped so it never
   * goes below the previous record's. Never throws for a bad record (it becomes an `error_stream`
   * row); throws `TypeError` for a non-finite `arrivalTime`.
   */
  push(record: InputRecord): Row[];
  /**
   * Decodes and maps one record without pushing it, for callers that must see its values first (the
   * sessionizer learns its partition key, the replay its ROWTIME); push the result to feed it.
   * Never throws for bad data: the result carries the rejection instead.
   */
  decode(data: RecordData): DecodedRecord;
  /**
   * Moves the clock to a record's arrival without feeding it (a consumer skipping a record it has
   * already applied) and returns that record's ROWTIME. `push` does the same for every record.
   */
  advance(arrivalTime: number): number;
  /** The greatest ROWTIME so far (restored by `restore`), or null before the first record. */
  readonly lastRowtime: number | null;
  /** How many partitions hold state, per window id (`"STREAM_PUMP1#0"`). */
  partitionCounts(): Record<string, number>;
  /** Window state, optionally only of the partitions whose key passes `filter`. */
  snapshot(filter?: (key: readonly SqlValue[]) => boolean): EngineSnapshot;
  /** Replaces the state of the partitions named in `snapshot` (others are kept) and lastRowtime. */
  restore(snapshot: EngineSnapshot): void;
}
