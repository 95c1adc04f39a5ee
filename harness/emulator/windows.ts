/**
 * Window functions over ROWS and RANGE frames with per-partition state bounded by the window:
 * LAG keeps the frame's rows (n + 1 for `ROWS n PRECEDING`), LAST_VALUE keeps one value, COUNT and
 * SUM keep only the rows inside the frame plus a running total, MIN and MAX a monotonic queue.
 * Rows enter in arrival order; a row sees itself and the earlier rows of its partition.
 */
import type { PartitionSnapshot, SqlValue } from "./types";
import type { BoundWindow } from "./bound";
import { isIntegerType } from "./sqlTypes";

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

  toJSON(): { p: number[]; v: SqlValue[] } {
    return { p: this.positions.slice(this.head), v: this.values.slice(this.head) };
  }

  static fromJSON(data: { p: number[]; v: SqlValue[] }): FrameBuffer {
    const buffer = new FrameBuffer();
    buffer.positions = [...data.p];
    buffer.values = [...data.v];
    return buffer;
  }
}

/** One partition's state; which fields are used depends on the function. */
class PartitionState {
  /** Rows seen in this partition so far (the next row's ordinal). */
  rows = 0;
  buffer: FrameBuffer | null = null;
  sum = 0;
  /** LAST_VALUE IGNORE NULLS: the last non-NULL value and its position. */
  lastPosition = -Infinity;
  lastValue: SqlValue = null;

  constructor(readonly key: readonly SqlValue[]) {}
}

interface StateJson {
  readonly rows: number;
  readonly buffer?: { p: number[]; v: SqlValue[] };
  readonly sum?: number;
  readonly lastPosition?: number | null;
  readonly lastValue?: SqlValue;
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
  private readonly integerAverage: boolean;

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
    this.integerAverage = fn === "AVG" && isIntegerType(window.type);
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
        buffer.evictBelow(lowest, (v) => (state.sum -= v as number));
        if (keep) {
          buffer.push(position, value);
          state.sum += value as number;
        }
        if (buffer.size === 0) {
          state.sum = 0;
          return null;
        }
        if (fn === "SUM") return state.sum;
        return this.integerAverage ? Math.trunc(state.sum / buffer.size) : state.sum / buffer.size;
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

  /** The state of every partition whose PARTITION BY values pass `filter`. */
  snapshot(filter?: (key: readonly SqlValue[]) => boolean): PartitionSnapshot[] {
    const result: PartitionSnapshot[] = [];
    for (const state of this.partitions.values()) {
      if (filter && !filter(state.key)) continue;
      const json: StateJson = {
        rows: state.rows,
        ...(state.buffer ? { buffer: state.buffer.toJSON() } : {}),
        ...(this.window.function === "SUM" || this.window.function === "AVG"
          ? { sum: state.sum }
          : {}),
        ...(this.window.function === "LAST_VALUE"
          ? {
              lastPosition: Number.isFinite(state.lastPosition) ? state.lastPosition : null,
              lastValue: state.lastValue,
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
    state.sum = json.sum ?? 0;
    state.lastPosition = json.lastPosition ?? -Infinity;
    state.lastValue = json.lastValue ?? null;
    this.partitions.set(mapKey, state);
  }
}
