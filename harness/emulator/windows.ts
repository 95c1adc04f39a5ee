/**
 * Window functions over ROWS and RANGE frames with per-partition state bounded by the window:
 * LAG keeps the frame's rows (n + 1 for `ROWS n PRECEDING`), LAST_VALUE keeps one value, COUNT and
 * SUM keep only the rows inside the frame plus a running total, MIN and MAX a monotonic queue.
 * Rows enter in arrival order; a row sees itself and the earlier rows of its partition.
 */
import type { PartitionSnapshot, SqlValue } from "./types";
import type { BoundWindow } from "./bound";
import { isIntegerType } from "./sqlTypes";
import { addIntegers, bigintResult, fromBigint } from "./integers";

const negate = (value: SqlValue): number | bigint =>
  typeof value === "bigint" ? fromBigint(-value) : -(value as number);

/**
 * The rows of one partition inside the frame, as parallel arrays of position and value. The
 * position is the row's ordinal in its partition for ROWS frames and its ROWTIME for RANGE frames,
 * so one rule evicts both: drop rows whose position is below the frame's lower bound.
 */
class FrameBuffer {
  positions: number[] = [];
  values: SqlValue[] = [];
  head = 0;

  get size(): number {
    return this.positions.length - this.head;
  }

  /** The i-th row from the oldest (0) to the newest (size - 1). */
  value(i: number): SqlValue {
    return this.values[this.head + i];
  }

  push(position: number, value: SqlValue): void {
    this.positions.push(position);
    this.values.push(value);
  }

  popBack(): void {
    this.positions.pop();
    this.values.pop();
  }

  back(): SqlValue {
    return this.values[this.values.length - 1];
  }

  /** Drops rows below `lowest`, calling `onEvict` with each dropped value. */
  evictBelow(lowest: number, onEvict?: (value: SqlValue) => void): void {
    while (this.head < this.positions.length && this.positions[this.head] < lowest) {
      if (onEvict) onEvict(this.values[this.head]);
      this.head++;
    }
    // Compact now and then so the arrays stay the size of the frame, not of the stream.
    if (this.head > 32 && this.head * 2 > this.positions.length) {
      this.positions = this.positions.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }

  toJSON(): { p: number[]; v: SnapshotValue[] } {
    return {
      p: this.positions.slice(this.head),
      v: this.values.slice(this.head).map(toSnapshotValue),
    };
  }

  static fromJSON(data: { p: number[]; v: SnapshotValue[] }): FrameBuffer {
    const buffer = new FrameBuffer();
    buffer.positions = [...data.p];
    buffer.values = data.v.map(fromSnapshotValue);
    return buffer;
  }
}

/** One partition's state; which fields are used depends on the function. */
class PartitionState {
  /** Rows seen in this partition so far (the next row's ordinal). */
  rows = 0;
  buffer: FrameBuffer | null = null;
  /** SUM and AVG: the exact total of the buffer's values (a double for DOUBLE arguments). */
  sum: number | bigint = 0;
  /** LAST_VALUE IGNORE NULLS: the last non-NULL value and its position. */
  lastPosition = -Infinity;
  lastValue: SqlValue = null;

  constructor(readonly key: readonly SqlValue[]) {}
}

/**
 * A value as snapshots hold it: JSON data, so a BIGINT beyond 2^53 is written `{ bigint: "digits" }`
 * (no SQL value is an object, so this cannot be mistaken for one).
 */
type SnapshotValue = Exclude<SqlValue, bigint> | { readonly bigint: string };

const toSnapshotValue = (value: SqlValue): SnapshotValue =>
  typeof value === "bigint" ? { bigint: value.toString() } : value;

const fromSnapshotValue = (value: SnapshotValue): SqlValue =>
  typeof value === "object" && value !== null ? fromBigint(BigInt(value.bigint)) : value;

interface StateJson {
  readonly rows: number;
  readonly buffer?: { p: number[]; v: SnapshotValue[] };
  /** SUM and AVG: the total (a restore recomputes an integer total from the buffer). */
  readonly sum?: SnapshotValue;
  readonly lastPosition?: number | null;
  readonly lastValue?: SnapshotValue;
}

/**
 * The Map key of a partition: nothing for no PARTITION BY, the value itself for one column (cheap,
 * and NULL keys share one partition), the JSON text of the values for several.
 */
export function partitionMapKey(values: readonly SqlValue[]): unknown {
  if (values.length === 0) return null;
  if (values.length === 1) return values[0] ?? null;
  return JSON.stringify(values.map((v) => v ?? null));
}

/** The state of one window function call: one `PartitionState` per partition key. */
export class WindowRuntime {
  readonly id: string;
  private readonly partitions = new Map<unknown, PartitionState>();
  private readonly usesBuffer: boolean;
  /** Whether NULL arguments are left out of the buffer (every aggregate ignores NULLs). */
  private readonly skipsNulls: boolean;
  private readonly isRange: boolean;
  private readonly span: number;
  /** SUM and AVG of an integer argument: exact integer totals (docs/semantics.md). */
  private readonly integerSum: boolean;

  constructor(private readonly window: BoundWindow) {
    this.id = window.id;
    this.isRange = window.frame.kind === "range";
    this.span = window.frame.kind === "range" ? window.frame.milliseconds : window.frame.preceding;
    const fn = window.function;
    this.usesBuffer = fn !== "LAST_VALUE";
    this.skipsNulls =
      (window.ignoreNulls && fn !== "LAST_VALUE") ||
      (fn === "COUNT" && window.argument !== null) ||
      fn === "SUM" ||
      fn === "AVG" ||
      fn === "MIN" ||
      fn === "MAX";
    this.integerSum =
      (fn === "SUM" || fn === "AVG") &&
      window.argument !== null &&
      isIntegerType(window.argument.type);
  }

  /** The PARTITION BY values behind a map key (inverse of `partitionMapKey`). */
  private keyValues(mapKey: unknown): SqlValue[] {
    const count = this.window.partitionBy.length;
    if (count === 0) return [];
    if (count === 1) return [mapKey as SqlValue];
    return JSON.parse(mapKey as string) as SqlValue[];
  }

  /** Number of partitions with state. */
  get partitionCount(): number {
    return this.partitions.size;
  }

  /**
   * Adds the current row (its argument `value`, at `rowtime`) to the partition `mapKey` and returns
   * the function's value for it. `mapKey` is `partitionMapKey` of the PARTITION BY values.
   */
  step(mapKey: unknown, value: SqlValue, rowtime: number, defaultValue: SqlValue): SqlValue {
    let state = this.partitions.get(mapKey);
    if (state === undefined) {
      state = new PartitionState(this.keyValues(mapKey));
      if (this.usesBuffer) state.buffer = new FrameBuffer();
      this.partitions.set(mapKey, state);
    }
    const ordinal = state.rows++;
    const position = this.isRange ? rowtime : ordinal;
    const lowest = position - this.span;
    const fn = this.window.function;
    if (value === undefined) value = null;

    if (fn === "LAST_VALUE") {
      if (!this.window.ignoreNulls || value !== null) {
        state.lastPosition = position;
        state.lastValue = value;
        return value;
      }
      return state.lastPosition >= lowest ? state.lastValue : null;
    }

    const buffer = state.buffer!;
    const keep = !this.skipsNulls || value !== null;
    switch (fn) {
      case "SUM":
      case "AVG":
        if (this.integerSum) return this.stepIntegerSum(state, buffer, position, lowest, value);
        buffer.evictBelow(lowest, (v) => (state.sum = (state.sum as number) - Number(v)));
        if (keep) {
          buffer.push(position, value);
          state.sum = (state.sum as number) + Number(value);
        }
        if (buffer.size === 0) {
          state.sum = 0;
          return null;
        }
        return fn === "SUM" ? state.sum : (state.sum as number) / buffer.size;
      case "MIN":
      case "MAX":
        buffer.evictBelow(lowest);
        if (keep) {
          // A monotonic queue: a value that can never again be the extreme is dropped at once.
          while (
            buffer.size > 0 &&
            (fn === "MIN"
              ? (buffer.back() as number) >= (value as number)
              : (buffer.back() as number) <= (value as number))
          ) {
            buffer.popBack();
          }
          buffer.push(position, value);
        }
        return buffer.size === 0 ? null : buffer.value(0);
      default:
        buffer.evictBelow(lowest);
        if (keep) buffer.push(position, value);
    }
    switch (fn) {
      case "COUNT":
        return buffer.size;
      case "FIRST_VALUE":
        return buffer.size === 0 ? null : buffer.value(0);
      case "LAG": {
        // The k-th row before the current one; the current row is the newest when it was kept.
        const index = buffer.size - (keep ? 1 : 0) - this.window.offset;
        return index >= 0 ? buffer.value(index) : defaultValue;
      }
    }
    return null;
  }

  /**
   * SUM or AVG of integers: the running total is exact (a bigint while it is beyond 2^53), so it
   * never drifts, and only the result is range-checked: SUM past ±(2^63 - 1) is this row's
   * Numeric_Overflow; AVG truncates toward zero.
   */
  private stepIntegerSum(
    state: PartitionState,
    buffer: FrameBuffer,
    position: number,
    lowest: number,
    value: SqlValue,
  ): SqlValue {
    buffer.evictBelow(lowest, (v) => (state.sum = addIntegers(state.sum, negate(v))));
    if (value !== null) {
      buffer.push(position, value);
      state.sum = addIntegers(state.sum, value as number | bigint);
    }
    const count = buffer.size;
    if (count === 0) {
      state.sum = 0;
      return null;
    }
    const sum = state.sum;
    if (this.window.function === "AVG") {
      // With |sum| < 2^53 the double quotient truncates to the exact integer quotient.
      return typeof sum === "number"
        ? Math.trunc(sum / count) || 0
        : fromBigint(sum / BigInt(count));
    }
    // The range is checked by `checkResult`, once every window of the pump has taken the row.
    return sum;
  }

  /**
   * Throws the row's `Numeric_Overflow` when an integer SUM is past ±(2^63 - 1). The pump calls it
   * after every window has taken the row, so one failing result leaves no window behind.
   */
  checkResult(value: SqlValue): void {
    if (typeof value === "bigint" && this.integerSum)
      bigintResult(value, () => `SUM over window "${this.id}"`);
  }

  /** The state of every partition whose PARTITION BY values pass `filter`. */
  snapshot(filter?: (key: readonly SqlValue[]) => boolean): PartitionSnapshot[] {
    const result: PartitionSnapshot[] = [];
    for (const state of this.partitions.values()) {
      if (filter && !filter(state.key)) continue;
      const json: StateJson = {
        rows: state.rows,
        ...(state.buffer ? { buffer: state.buffer.toJSON() } : {}),
        ...(this.window.function === "SUM" || this.window.function === "AVG"
          ? { sum: toSnapshotValue(state.sum) }
          : {}),
        ...(this.window.function === "LAST_VALUE"
          ? {
              lastPosition: Number.isFinite(state.lastPosition) ? state.lastPosition : null,
              lastValue: toSnapshotValue(state.lastValue),
            }
          : {}),
      };
      result.push({ window: this.id, key: [...state.key], state: json });
    }
    return result;
  }

  /** Replaces one partition's state with a snapshot's. */
  restore(snapshot: PartitionSnapshot): void {
    const mapKey = partitionMapKey(snapshot.key);
    const json = snapshot.state as StateJson;
    if (typeof json !== "object" || json === null || typeof json.rows !== "number") {
      throw new TypeError(
        `Invalid snapshot state for window "${this.id}": ${JSON.stringify(json)}`,
      );
    }
    const state = new PartitionState([...snapshot.key]);
    state.rows = json.rows;
    if (this.usesBuffer)
      state.buffer = json.buffer ? FrameBuffer.fromJSON(json.buffer) : new FrameBuffer();
    // An exact total is the buffer's, recomputed rather than trusted; a double total is restored.
    state.sum = 0;
    if (this.integerSum) {
      for (let i = 0; i < state.buffer!.size; i++)
        state.sum = addIntegers(state.sum, state.buffer!.value(i) as number | bigint);
    } else if (typeof json.sum === "number") state.sum = json.sum;
    state.lastPosition = json.lastPosition ?? -Infinity;
    state.lastValue = fromSnapshotValue(json.lastValue ?? null);
    this.partitions.set(mapKey, state);
  }
}
