/**
 * The harness application as the sessionizer Lambda runs it: loaded once per container, and before
 * every batch given exactly the window state of the partitions that batch touches, read from the
 * state table. Everything else the application still holds in memory is stale by design and is
 * never read, because every key a batch touches is restored first.
 *
 * Loading the application costs about 20 ms (parse, plan, compile the pumps), too much to repeat per
 * batch, so it is reused and only reloaded when it has accumulated `maxResidentKeys` partitions,
 * which bounds the container's memory by the number of keys rather than by the stream's history.
 */
import { clickInputSchema, readSessionizeSql, type InputSchema } from "../../sql/inputSchema";
import {
  deliveryJson,
  loadApplication,
  parseJson,
  rowToDeliveryObject,
  type DecodedRecord,
  type PartitionSnapshot,
  type SqlApplication,
  type SqlValue,
  type StreamInfo,
} from "../../harness/emulator";
import { deliveredStreams, errorStreamName, type DeliveredStream } from "../../sql/contracts";
import type { TypedRow } from "../delivery/typedRow";

/** The window state of one partition key: one entry per window function of the application. */
export type KeyState = readonly { readonly window: string; readonly state: unknown }[];

/** A record decoded once by the application, with the partition key its state is stored under. */
export interface KeyedRecord {
  /** The decoded record, or null when decoding it threw (see `failure`). */
  readonly record: DecodedRecord | null;
  /** `keyText` of the record's partition, or null when the record never reaches a window. */
  readonly key: string | null;
  /** The record's bytes, for the `DATA_ROW` of an error row the engine makes itself. */
  readonly data: Uint8Array;
  /** Why the application could not take the record at all (decoding or evaluating it threw). */
  readonly failure?: RecordFailure;
}

/** An exception the application threw for one record: its name and message. */
export interface RecordFailure {
  readonly name: string;
  readonly message: string;
}

/**
 * The `ERROR_NAME` of the error row of a record the application threw on (a JSON value nested
 * deeper than the emulator's `JSON.stringify` can follow, say). KDA has no such error; the record
 * is dead-lettered like every other bad record instead of failing its batch.
 */
export const unprocessableRecordErrorName = "Unprocessable_Record";

export interface SessionizeEngineOptions {
  /** The SQL application; default the lab's `sql/sessionize.sql`. */
  readonly sqlText?: string;
  readonly inputSchema?: InputSchema;
  /**
   * The source column every window function of the SQL partitions by (directly or through a pump
   * that copies it unchanged). The lab's SQL partitions both windows by `"user_id"`.
   */
  readonly partitionColumn?: string;
  /** The streams whose rows are delivered; default both, the destination stream and `error_stream`. */
  readonly outputStreams?: readonly DeliveredStream[];
  /** Partitions held in memory before the application is reloaded (default 20 000). */
  readonly maxResidentKeys?: number;
}

/** A delivered stream of the SQL: its contract name and its columns. */
interface TypedStream {
  readonly name: DeliveredStream;
  readonly info: StreamInfo;
}

/** Thrown when the SQL creates window state under a key the engine did not derive from a record. */
export class UnsupportedPartitioningError extends Error {
  public override readonly name = "UnsupportedPartitioningError";
}

/**
 * The text that names a partition key: JSON of the PARTITION BY values, so `["user1"]` and
 * `[null]` (the one partition of every record without a user) are distinct, stable strings.
 */
export function keyText(key: readonly SqlValue[]): string {
  return deliveryJson(key.map((value) => value ?? null));
}

/** Loads the SQL once and runs batches of one shard against restored partition state. */
export class SessionizeEngine {
  private readonly sqlText: string;
  private readonly inputSchema: InputSchema;
  private readonly partitionIndex: number;
  /** The delivered streams by name, each with its columns. */
  private readonly outputStreams: ReadonlyMap<string, TypedStream>;
  private readonly maxResidentKeys: number;
  private app: SqlApplication;
  private readonly windowIds: readonly string[];
  private readonly streamsByName: ReadonlyMap<string, StreamInfo>;
  /** Keys restored into `app` since it was loaded. */
  private resident = new Set<string>();

  public constructor(options: SessionizeEngineOptions = {}) {
    this.sqlText = options.sqlText ?? readSessionizeSql();
    this.inputSchema = options.inputSchema ?? clickInputSchema;
    const partitionColumn = options.partitionColumn ?? "user_id";
    this.partitionIndex = this.inputSchema.columns.findIndex((c) => c.name === partitionColumn);
    if (this.partitionIndex < 0) {
      throw new Error(
        `partitionColumn "${partitionColumn}" is not a column of the input schema; expected one of ` +
          this.inputSchema.columns.map((c) => `"${c.name}"`).join(", "),
      );
    }
    this.app = this.load();
    this.windowIds = Object.keys(this.app.partitionCounts());
    this.streamsByName = this.app.streams;
    const outputs = new Map<string, TypedStream>();
    for (const name of options.outputStreams ?? deliveredStreams) {
      const info = this.streamsByName.get(name);
      if (info === undefined) {
        throw new Error(
          `outputStreams names "${name}", which the SQL does not declare; expected one of ` +
            [...this.streamsByName.keys()].map((n) => `"${n}"`).join(", "),
        );
      }
      outputs.set(name, { name, info });
    }
    this.outputStreams = outputs;
    this.maxResidentKeys = options.maxResidentKeys ?? 20_000;
  }

  private load(): SqlApplication {
    return loadApplication(this.sqlText, { inputSchema: this.inputSchema });
  }

  /**
   * Maps a record the way the application will, to learn its partition key before it is pushed
   * (the state of that key must be loaded first). Never throws: a record that is not JSON or that
   * fails the schema has no key and becomes an error_stream row when pushed.
   */
  public decode(data: Uint8Array): KeyedRecord {
    try {
      const record = this.app.decode(data);
      const key = record.values === null ? null : keyText([record.values[this.partitionIndex]]);
      return { record, key, data };
    } catch (error) {
      return { record: null, key: null, data, failure: failureOf(error) };
    }
  }

  /**
   * Starts a batch: sets the shard's last ROWTIME and replaces the state of every key in `states`
   * with the stored one (an empty partition where nothing is stored).
   */
  public begin(lastRowtime: number | null, states: ReadonlyMap<string, KeyState | null>): void {
    if (this.resident.size + states.size > this.maxResidentKeys) {
      this.app = this.load();
      this.resident = new Set();
    }
    const partitions: PartitionSnapshot[] = [];
    for (const [text, stored] of states) {
      const key = parseJson(text) as SqlValue[];
      const byWindow = new Map((stored ?? []).map((entry) => [entry.window, entry.state]));
      for (const window of this.windowIds) {
        // `{ rows: 0 }` restores a partition exactly as the application creates it on first use.
        partitions.push({ window, key, state: byWindow.get(window) ?? { rows: 0 } });
      }
      this.resident.add(text);
    }
    this.app.restore({ version: 1, lastRowtime, partitions });
  }

  /**
   * Moves the application's clock past a record that is not pushed again (already applied), so a
   * replayed batch gives its remaining records the ROWTIMEs of the first attempt. Returns the
   * record's ROWTIME.
   */
  public skip(arrivalTime: number): number {
    return this.app.advance(arrivalTime);
  }

  /** The ROWTIME of the last record pushed or skipped: the shard's clock to store. */
  public get lastRowtime(): number | null {
    return this.app.lastRowtime;
  }

  /**
   * Pushes one record that arrived at `arrivalTime` and returns the rows of the output streams it
   * caused, as the typed rows the delivery takes. Throws `UnsupportedPartitioningError` when the
   * record created state under a key that was not restored (the SQL partitions by something else),
   * and whatever the application throws for a record it cannot evaluate: the caller turns that
   * record into `errorRow` instead, and restores its key's state, which may be half updated.
   */
  public push(keyed: KeyedRecord, arrivalTime: number): TypedRow[] {
    if (keyed.record === null) throw new TypeError("push of a record that did not decode");
    const before = this.resident.size;
    const rows = this.app.push({ data: keyed.record, arrivalTime });
    if (keyed.key !== null) this.checkKnownPartitions(before);
    const out: TypedRow[] = [];
    for (const row of rows) {
      const output = this.outputStreams.get(row.stream);
      if (output === undefined) continue;
      out.push({ stream: output.name, row: rowToDeliveryObject(output.info, row) });
    }
    return out;
  }

  /**
   * The `error_stream` row of a record the application threw on, as the application makes its own
   * error rows (`docs/semantics.md`, "error_stream"): ROWTIME, `ERROR`, `Unprocessable_Record`, the
   * exception, and the record's bytes as hex in DATA_ROW, each cut to its column's length.
   */
  public errorRow(keyed: KeyedRecord, rowtime: number, failure: RecordFailure): TypedRow {
    const info = this.streamsByName.get(errorStreamName)!;
    const values: SqlValue[] = [
      rowtime,
      "ERROR",
      unprocessableRecordErrorName,
      `The record could not be processed: ${failure.name}: ${failure.message}`,
      rowtime,
      Buffer.from(keyed.data).toString("hex"),
      null,
    ];
    const cut = values.map((value, i) => {
      const type = info.columns[i].type;
      return typeof value === "string" && type.length !== undefined
        ? value.slice(0, type.length)
        : value;
    });
    return {
      stream: errorStreamName,
      row: rowToDeliveryObject(info, { stream: errorStreamName, rowtime, values: cut }),
    };
  }

  /** Every window's partitions can only be the restored keys; one more means a key we missed. */
  private checkKnownPartitions(expected: number): void {
    const counts = this.app.partitionCounts();
    for (const window of this.windowIds) {
      if (counts[window] > expected) {
        throw new UnsupportedPartitioningError(
          `Window "${window}" holds ${counts[window]} partitions but only ${expected} keys were ` +
            `restored; the engine supports SQL whose windows all partition by the input column ` +
            `"${this.inputSchema.columns[this.partitionIndex].name}"`,
        );
      }
    }
  }

  /** The current state of `keys`, to store after the batch's rows were delivered. */
  public stateOf(keys: ReadonlySet<string>): Map<string, KeyState> {
    const states = new Map<string, { window: string; state: unknown }[]>();
    for (const text of keys) states.set(text, []);
    const snapshot = this.app.snapshot((key) => keys.has(keyText(key)));
    for (const partition of snapshot.partitions) {
      states
        .get(keyText(partition.key))!
        .push({ window: partition.window, state: partition.state });
    }
    return states;
  }
}

/** The name and message of anything thrown, never throwing itself. */
export function failureOf(error: unknown): RecordFailure {
  if (error instanceof Error) return { name: error.name, message: String(error.message) };
  try {
    return { name: "Error", message: String(error) };
  } catch {
    return { name: "Error", message: "(unprintable)" };
  }
}
