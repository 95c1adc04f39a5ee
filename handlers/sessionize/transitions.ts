/**
 * The sessionizer's in-memory step, no I/O: one shard batch's records run through the SQL
 * application against the stored state of their keys, giving per key the transitions to commit
 * (new window state, the last sequence applied, the rows produced), and per record the rows that
 * depend on no key's state (records without a key, records the application threw on).
 *
 * A record the application throws on (while decoding, mapping or evaluating it) never fails the
 * batch: it becomes an `error_stream` row (`SessionizeEngine.errorRow`) and the run starts over
 * without it, since the exception may have left its key's window state half updated.
 */
import type { DeliveryRow } from "../delivery/typedRow";
import {
  failureOf,
  UnsupportedPartitioningError,
  type KeyedRecord,
  type KeyState,
  type RecordFailure,
  type SessionizeEngine,
} from "./engine";
import type { PartitionState } from "./stateTable";

/** The rows of a transition are kept in the key's item: a transition is cut at about this size. */
export const DEFAULT_SEGMENT_BYTES = 200_000;

/** One record of the batch: its sequence number and arrival time (epoch ms). */
export interface BatchRecord {
  readonly sequence: string;
  readonly arrivalMs: number;
}

/**
 * One committable transition of a key: its window state after `lastSequence`, and the rows the
 * records up to it produced. A key's records in one batch are one segment, or several when their
 * rows would not fit the key's item.
 */
export interface Segment {
  readonly windows: KeyState;
  /** The key's last record of the batch covered by this segment. */
  readonly lastSequence: string;
  readonly rows: readonly DeliveryRow[];
}

/** Whether a key's record (by its sequence number) is already in the key's stored state. */
export type AppliedTest = (state: PartitionState, sequence: string) => boolean;

export interface BatchInput {
  readonly engine: SessionizeEngine;
  readonly shardId: string;
  readonly records: readonly BatchRecord[];
  readonly decoded: readonly KeyedRecord[];
  /** The shard's ROWTIME clock before the batch. */
  readonly lastRowtime: number | null;
  /** The stored state of every key of the batch. */
  readonly states: ReadonlyMap<string, PartitionState>;
  readonly isApplied: AppliedTest;
  /** Whether a record without a key is already done (its rows written); none when absent. */
  readonly isDoneWithoutKey?: (sequence: string) => boolean;
  /**
   * Whether every key of the batch gets a segment even when all its records were applied (a
   * redrive records how far it got for every key it saw).
   */
  readonly segmentEveryKey?: boolean;
  readonly segmentBytes?: number;
}

export interface BatchRun {
  /** The ROWTIME of every record, by index. */
  readonly rowtimes: readonly number[];
  /** Indices of the records already applied (skipped). */
  readonly skipped: ReadonlySet<number>;
  /** The records the application threw on, by index. */
  readonly failures: ReadonlyMap<number, RecordFailure>;
  /** Rows of records whose result depends on no key's state, by record index. */
  readonly stateless: ReadonlyMap<number, DeliveryRow[]>;
  /** The transitions of every key that has one, in the order of its first record. */
  readonly segments: ReadonlyMap<string, Segment[]>;
}

/** A row's id: unique per row and the same on every retry (shard, record, row's position). */
function rowId(shardId: string, sequence: string, n: number): string {
  return `${shardId}:${sequence}:${n}`;
}

/** Builds one key's segments as its records are pushed, cutting when the rows grow too large. */
class SegmentBuilder {
  private readonly done: Segment[] = [];
  private rows: DeliveryRow[] = [];
  private bytes = 0;
  private lastSequence: string | null = null;

  public constructor(
    private readonly key: string,
    private readonly engine: SessionizeEngine,
    private readonly limit: number,
  ) {}

  public get open(): boolean {
    return this.lastSequence !== null;
  }

  public add(sequence: string, rows: readonly DeliveryRow[]): void {
    this.lastSequence = sequence;
    for (const row of rows) {
      this.rows.push(row);
      // Engine rows hold scalars only, so JSON.stringify cannot throw here.
      this.bytes += JSON.stringify(row).length;
    }
    if (this.bytes >= this.limit) this.close(this.engine.stateOf(new Set([this.key])));
  }

  /** Closes the open segment with the key's state from `states`. */
  public close(states: ReadonlyMap<string, KeyState>): void {
    if (this.lastSequence === null) return;
    this.done.push({
      windows: states.get(this.key) ?? [],
      lastSequence: this.lastSequence,
      rows: this.rows,
    });
    this.rows = [];
    this.bytes = 0;
    this.lastSequence = null;
  }

  public get segments(): Segment[] {
    return this.done;
  }
}

/**
 * Runs a batch: restores every key's state, pushes the records in order (skipping those applied,
 * advancing the clock over them so ROWTIMEs are those of the first attempt), and returns the
 * transitions. Throws only `UnsupportedPartitioningError` (the SQL does not fit the engine).
 */
export function runBatch(input: BatchInput): BatchRun {
  const { engine, records, decoded, states } = input;
  const limit = input.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const failures = new Map<number, RecordFailure>();
  for (const [i, record] of decoded.entries()) {
    if (record.failure !== undefined) failures.set(i, record.failure);
  }
  for (;;) {
    engine.begin(
      input.lastRowtime,
      new Map([...states].map(([key, state]) => [key, state.windows])),
    );
    const rowtimes: number[] = [];
    const skipped = new Set<number>();
    const stateless = new Map<number, DeliveryRow[]>();
    const builders = new Map<string, SegmentBuilder>();
    let threw = false;
    for (let i = 0; i < records.length && !threw; i++) {
      const { sequence, arrivalMs } = records[i];
      const record = decoded[i];
      const key = record.key;
      if (key !== null && input.segmentEveryKey === true && !builders.has(key)) {
        builders.set(key, new SegmentBuilder(key, engine, limit));
      }
      const applied =
        key === null
          ? input.isDoneWithoutKey?.(sequence) === true
          : input.isApplied(states.get(key)!, sequence);
      if (applied) {
        rowtimes.push(engine.skip(arrivalMs));
        skipped.add(i);
        if (key !== null) builders.get(key)?.add(sequence, []);
        continue;
      }
      const failure = failures.get(i);
      if (failure !== undefined) {
        const rowtime = engine.skip(arrivalMs);
        rowtimes.push(rowtime);
        stateless.set(i, [errorRowOf(engine, input.shardId, sequence, record, rowtime, failure)]);
        continue;
      }
      let rows: DeliveryRow[];
      try {
        rows = engine
          .push(record, arrivalMs)
          .map((row, n) => ({ id: rowId(input.shardId, sequence, n), ...row }));
      } catch (error) {
        if (error instanceof UnsupportedPartitioningError) throw error;
        failures.set(i, failureOf(error));
        threw = true;
        continue;
      }
      rowtimes.push(engine.lastRowtime ?? arrivalMs);
      if (key === null) {
        stateless.set(i, rows);
        continue;
      }
      let builder = builders.get(key);
      if (builder === undefined)
        builders.set(key, (builder = new SegmentBuilder(key, engine, limit)));
      builder.add(sequence, rows);
    }
    if (threw) continue;
    const open = new Set([...builders].filter(([, b]) => b.open).map(([key]) => key));
    const finals = open.size > 0 ? engine.stateOf(open) : new Map<string, KeyState>();
    const segments = new Map<string, Segment[]>();
    for (const [key, builder] of builders) {
      builder.close(finals);
      if (builder.segments.length > 0) segments.set(key, builder.segments);
    }
    return { rowtimes, skipped, failures, stateless, segments };
  }
}

/** What redoing one key against a newer state gives: its segments, and newly failed records. */
export interface KeyRedo {
  readonly segments: Segment[];
  /** Error rows of records that threw only against the newer state, by record index. */
  readonly stateless: Map<number, DeliveryRow[]>;
}

/**
 * Runs one key's records of the batch again against `state`, a newer state another invocation
 * committed: the records it has applied meanwhile are skipped, the others get the ROWTIMEs of the
 * first run. Used when the key's commit lost its condition (two shards carry the key).
 */
export function redoKey(
  input: Omit<BatchInput, "states" | "lastRowtime">,
  run: Pick<BatchRun, "rowtimes" | "failures">,
  key: string,
  state: PartitionState,
): KeyRedo {
  const { engine, records, decoded } = input;
  const limit = input.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const failures = new Map(run.failures);
  const stateless = new Map<number, DeliveryRow[]>();
  const indices = decoded.flatMap((record, i) => (record.key === key ? [i] : []));
  for (;;) {
    engine.begin(null, new Map([[key, state.windows]]));
    const builder = new SegmentBuilder(key, engine, limit);
    let threw = false;
    for (const i of indices) {
      const { sequence } = records[i];
      const rowtime = run.rowtimes[i];
      if (input.isApplied(state, sequence)) {
        if (input.segmentEveryKey === true) builder.add(sequence, []);
        continue;
      }
      if (failures.has(i)) continue;
      try {
        const rows = engine
          .push(decoded[i], rowtime)
          .map((row, n) => ({ id: rowId(input.shardId, sequence, n), ...row }));
        builder.add(sequence, rows);
      } catch (error) {
        if (error instanceof UnsupportedPartitioningError) throw error;
        const failure = failureOf(error);
        failures.set(i, failure);
        stateless.set(i, [
          errorRowOf(engine, input.shardId, sequence, decoded[i], rowtime, failure),
        ]);
        threw = true;
        break;
      }
    }
    if (threw) continue;
    builder.close(builder.open ? engine.stateOf(new Set([key])) : new Map());
    return { segments: builder.segments, stateless };
  }
}

function errorRowOf(
  engine: SessionizeEngine,
  shardId: string,
  sequence: string,
  record: KeyedRecord,
  rowtime: number,
  failure: RecordFailure,
): DeliveryRow {
  return { id: rowId(shardId, sequence, 0), ...engine.errorRow(record, rowtime, failure) };
}
