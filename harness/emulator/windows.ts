/**
 * Window state (docs/architecture.md, "Windows"). The window functions of a pump that partition by
 * the same expressions form a group; a partition is an index into the group's columns, typed arrays
 * holding exactly what its windows read: LAG(x, 1) over ROWS the previous value, LAST_VALUE IGNORE
 * NULLS a value and its position, COUNT(*) over ROWS and LAST_VALUE RESPECT NULLS nothing but the
 * row count; the other functions keep the frame's rows in a ring, and SUM and AVG a total. The
 * index comes from one Map of partition keys for the whole application, so a key the pumps share
 * (the lab partitions both pumps by user) costs one Map entry. Rows enter in arrival order; a row
 * sees itself and the earlier rows of its partition.
 *
 * A group whose windows all have RANGE frames forgets a partition once every row it holds has left
 * every frame (no later row can read it: ROWTIME never decreases), checked each time ROWTIME has
 * moved on by an eighth of the widest frame. A ROWS window reads its last rows however old, so a
 * group with one keeps its partitions.
 *
 * Each window's step is generated as JavaScript once, at load, and spliced by the pump into its
 * own compiled function (`evaluator.ts`).
 */
import type { PartitionSnapshot, SqlValue } from "./types";
import type { BoundExpression, BoundWindow } from "./bound";
import { isIntegerType, type SqlType } from "./sqlTypes";
import { addIntegers, bigintResult, fromBigint } from "./integers";
import { deliveryJson, parseJson } from "./json";

/**
 * The partition keys of an application: a dense index per distinct Map key (the PARTITION BY
 * value itself for one expression, exact JSON text of the values for several), counted by the
 * groups holding it and recycled when none does. Text keys, nearly all of them, are found through
 * an open-addressing table of their hashes, whose probes stay in one typed array instead of
 * walking a Map's entries; other keys go to a Map.
 */
export class PartitionKeys {
  private readonly others = new Map<unknown, number>();
  /** The Map key of each index. */
  keys: unknown[] = [];
  /** How many groups hold each index. */
  private holders = new Uint16Array(64);
  private readonly free: number[] = [];
  /** Text keys: the index in each slot (-1 for none), and each index's hash. */
  private slots = new Int32Array(1024).fill(-1);
  private hashes = new Int32Array(64);
  private texts = 0;

  /** The index of a Map key, new when no group holds the key. */
  index(mapKey: unknown): number {
    if (typeof mapKey === "string") return this.textIndex(mapKey);
    let index = this.others.get(mapKey);
    if (index === undefined) {
      index = this.allocate(mapKey);
      this.others.set(mapKey, index);
    }
    return index;
  }

  private textIndex(key: string): number {
    const hash = hashText(key);
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const index = slots[slot];
      if (index < 0) break;
      if (this.hashes[index] === hash && this.keys[index] === key) return index;
      slot = (slot + 1) & mask;
    }
    const index = this.allocate(key);
    if (index >= this.hashes.length) this.hashes = grown(this.hashes, index);
    this.hashes[index] = hash;
    slots[slot] = index;
    // At most half full, so that probes stay short.
    if (++this.texts * 2 > slots.length) this.rehash(slots.length * 2);
    return index;
  }

  private allocate(mapKey: unknown): number {
    const index = this.free.length > 0 ? this.free.pop()! : this.keys.length;
    this.keys[index] = mapKey;
    if (index >= this.holders.length) this.holders = grown(this.holders, index);
    this.holders[index] = 0;
    return index;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (const index of this.slots) {
      if (index < 0) continue;
      let slot = this.hashes[index] & mask;
      while (slots[slot] >= 0) slot = (slot + 1) & mask;
      slots[slot] = index;
    }
    this.slots = slots;
  }

  hold(index: number): void {
    this.holders[index]++;
  }

  release(index: number): void {
    if (--this.holders[index] > 0) return;
    const key = this.keys[index];
    if (typeof key === "string") this.removeText(index);
    else this.others.delete(key);
    this.keys[index] = undefined;
    this.free.push(index);
  }

  /** Empties the slot of a text key, moving later keys of its probe run back (no tombstones). */
  private removeText(index: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = this.hashes[index] & mask;
    while (slots[slot] !== index) slot = (slot + 1) & mask;
    let next = (slot + 1) & mask;
    while (slots[next] >= 0) {
      const home = this.hashes[slots[next]] & mask;
      // The key at `next` may move into the hole unless its home lies cyclically in (slot, next].
      if (
        (next > slot && (home <= slot || home > next)) ||
        (next < slot && home <= slot && home > next)
      ) {
        slots[slot] = slots[next];
        slot = next;
      }
      next = (next + 1) & mask;
    }
    slots[slot] = -1;
    this.texts--;
  }
}

/** FNV-1a of a text's UTF-16 code units. */
function hashText(text: string): number {
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

type TypedArray = Float64Array | Uint8Array | Uint16Array | Int32Array;

/** A copy of `array` large enough for `index`, doubling. */
function grown<T extends TypedArray>(array: T, index: number): T {
  let length = Math.max(array.length, 16);
  while (length <= index) length *= 2;
  const copy = new (array.constructor as new (length: number) => T)(length);
  copy.set(array);
  return copy;
}

/**
 * Values of a numeric or TIMESTAMP argument, one per partition: doubles in a typed array, NULL as
 * a tag, and the rare value a double cannot hold (a BIGINT beyond 2^53) beside them.
 */
export class NumberColumn {
  numbers = new Float64Array(16);
  /** 0 NULL, 1 the number, 2 in `others`. */
  tags = new Uint8Array(16);
  private others: Map<number, SqlValue> | null = null;

  get(i: number): SqlValue {
    const tag = this.tags[i];
    return tag === 1 ? this.numbers[i] : tag === 0 ? null : this.others!.get(i)!;
  }

  set(i: number, value: SqlValue): void {
    if (this.tags[i] === 2) this.others!.delete(i);
    if (typeof value === "number") {
      this.numbers[i] = value;
      this.tags[i] = 1;
    } else if (value === null) this.tags[i] = 0;
    else {
      (this.others ??= new Map()).set(i, value);
      this.tags[i] = 2;
    }
  }

  grow(index: number): void {
    this.numbers = grown(this.numbers, index);
    this.tags = grown(this.tags, index);
  }
}

/** Values of any other type, one per partition. */
export class ValueColumn {
  values: SqlValue[] = [];

  get(i: number): SqlValue {
    return this.values[i] ?? null;
  }

  set(i: number, value: SqlValue): void {
    this.values[i] = value;
  }

  grow(): void {}
}

const isNumberType = (type: SqlType): boolean =>
  !["CHAR", "VARCHAR", "BOOLEAN", "NULL"].includes(type.kind);

/**
 * Rows of one partition in arrival order: a circular buffer of positions (the row's ordinal in its
 * partition for ROWS frames, its ROWTIME for RANGE frames) and values, growing and shrinking by
 * powers of two so it stays the size of the frame. `aux` holds the suffix sums of a DOUBLE SUM.
 * Free slots hold 0, never null, so that an array of numbers stays an unboxed double array.
 */
export class Ring {
  positions: number[];
  values: SqlValue[];
  aux: number[] | null;
  head = 0;
  size = 0;
  private mask: number;

  constructor(withAux = false, capacity = 8) {
    this.positions = new Array<number>(capacity).fill(0);
    this.values = new Array<SqlValue>(capacity).fill(0);
    this.aux = withAux ? new Array<number>(capacity).fill(0) : null;
    this.mask = capacity - 1;
  }

  /** The i-th row from the oldest (0) to the newest (size - 1). */
  value(i: number): SqlValue {
    return this.values[(this.head + i) & this.mask];
  }

  position(i: number): number {
    return this.positions[(this.head + i) & this.mask];
  }

  last(): SqlValue {
    return this.values[(this.head + this.size - 1) & this.mask];
  }

  push(position: number, value: SqlValue): void {
    if (this.size === this.positions.length) this.resize(this.positions.length * 2);
    const at = (this.head + this.size) & this.mask;
    this.positions[at] = position;
    this.values[at] = value;
    this.size++;
  }

  /** Drops the oldest row. */
  shift(): void {
    this.values[this.head] = 0;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    if (this.positions.length > 16 && this.size * 4 <= this.positions.length)
      this.resize(this.positions.length / 2);
  }

  /** Drops the newest row. */
  pop(): void {
    this.size--;
    this.values[(this.head + this.size) & this.mask] = 0;
  }

  /** Drops the rows whose position is below `lowest`: they have left the frame. */
  evictBelow(lowest: number): void {
    while (this.size > 0 && this.positions[this.head] < lowest) this.shift();
  }

  /** Sets the `aux` of the i-th row. */
  setAux(i: number, value: number): void {
    this.aux![(this.head + i) & this.mask] = value;
  }

  private resize(capacity: number): void {
    const positions = new Array<number>(capacity).fill(0);
    const values = new Array<SqlValue>(capacity).fill(0);
    const aux = this.aux === null ? null : new Array<number>(capacity).fill(0);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & this.mask;
      positions[i] = this.positions[from];
      values[i] = this.values[from];
      if (aux !== null) aux[i] = this.aux![from];
    }
    this.positions = positions;
    this.values = values;
    this.aux = aux;
    this.head = 0;
    this.mask = capacity - 1;
  }
}

/**
 * A DOUBLE SUM without drift ("two stacks"): the ring's oldest `front` rows carry suffix sums in
 * `aux`, computed from those rows alone when the front runs empty; newer rows are summed into a
 * back total as they come. The sum is the oldest row's `aux` plus the back total, so it never
 * depends on a value that has left the window, as a running total that subtracts would.
 */
function suffixSums(ring: Ring, count: number): void {
  let sum = 0;
  for (let i = count - 1; i >= 0; i--) {
    sum += ring.value(i) as number;
    ring.setAux(i, sum);
  }
}

const frontSum = (ring: Ring): number => ring.aux![ring.head];

/** Exact integer total minus a value, for SUM and AVG of integers. */
const subtractInteger = (total: number | bigint, value: SqlValue): number | bigint =>
  addIntegers(total, typeof value === "bigint" ? fromBigint(-value) : -(value as number));

/** Range check of an integer SUM result, once every window took the row. */
function checkSum(value: bigint, id: string): void {
  bigintResult(value, () => `SUM over window "${id}"`);
}

/** The helpers generated window code calls as `H.<name>`. */
export const windowHelpers = {
  Ring,
  suffixSums,
  frontSum,
  addIntegers,
  subtractInteger,
  fromBigint,
  checkSum,
};

/**
 * A value as snapshots hold it: JSON data, so a BIGINT beyond 2^53 is written `{ bigint: "digits" }`
 * (no SQL value is an object, so this cannot be mistaken for one).
 */
type SnapshotValue = Exclude<SqlValue, bigint> | { readonly bigint: string };

const toSnapshotValue = (value: SqlValue): SnapshotValue =>
  typeof value === "bigint" ? { bigint: value.toString() } : value;

const fromSnapshotValue = (value: SnapshotValue | undefined): SqlValue =>
  value === undefined
    ? null
    : typeof value === "object" && value !== null
      ? fromBigint(BigInt(value.bigint))
      : value;

/**
 * One window's state in a snapshot. `rows` (ROWS frames) is the partition's row count; `buffer`
 * the rows the window keeps, positions `p` and values `v`; `front` the rows of a DOUBLE SUM's front;
 * `lastPosition` and `lastValue` LAST_VALUE IGNORE NULLS's. Earlier snapshots wrote every field
 * for every window (and `sum`); they restore too.
 */
interface StateJson {
  readonly rows?: number;
  readonly buffer?: { readonly p: readonly number[]; readonly v: readonly SnapshotValue[] };
  readonly front?: number;
  readonly lastPosition?: number | null;
  readonly lastValue?: SnapshotValue;
}

const rowsOf = (state: StateJson): readonly [number, SqlValue][] => {
  const buffer = state.buffer;
  if (buffer === undefined) return [];
  return buffer.p.map((position, i) => [position, fromSnapshotValue(buffer.v[i])]);
};

function ringJson(ring: Ring): NonNullable<StateJson["buffer"]> {
  const p: number[] = [];
  const v: SnapshotValue[] = [];
  for (let i = 0; i < ring.size; i++) {
    p.push(ring.position(i));
    v.push(toSnapshotValue(ring.value(i)));
  }
  return { p, v };
}

/** The columns of a group by name, as generated code reads them (`S.<name>`). */
type Columns = Record<string, unknown> & { rows: Float64Array };

/** A column a window owns: its name and how it is created, reset and grown. */
interface ColumnSpec {
  readonly name: string;
  /**
   * `f64`: a Float64Array starting at `initial`; `values`: a NumberColumn (`numbers`) or a
   * ValueColumn starting at `initial` or NULL; `rings`: a Ring per partition; `slots`: an array of
   * `length` NULLs per partition.
   */
  readonly kind: "f64" | "values" | "rings" | "slots";
  readonly initial?: number;
  readonly length?: number;
  readonly numbers?: boolean;
  readonly aux?: boolean;
}

/** How one window keeps its state: columns, the step as JavaScript, snapshot and restore. */
interface WindowCode {
  readonly columns: readonly ColumnSpec[];
  /**
   * Statements computing `w<slot>`, the window's value for the row. In scope: `S` the columns,
   * `i` the partition, `a<slot>` the argument, `d<slot>` the LAG default, `rt` the ROWTIME, `n`
   * the row's ordinal, `P` its position and `L` the frame's lowest position.
   */
  readonly step: string;
  /** Whether the result may be a SUM past the BIGINT range, checked once all windows stepped. */
  readonly checksRange: boolean;
  snapshot(columns: Columns, i: number): StateJson;
  restore(columns: Columns, i: number, state: StateJson): void;
  /** The newest position this window still needs, -Infinity for none. */
  newest(columns: Columns, i: number): number;
}

/**
 * What a window's ring holds and how it is summed: windows of a group with the same key keep the
 * same rows (SUM and AVG of one argument over one frame), so the first of them keeps the ring
 * and the others read it.
 */
function ringKey(window: BoundWindow): string | null {
  const fn = window.function;
  const accumulator =
    fn === "SUM" || fn === "AVG"
      ? window.argument !== null && isIntegerType(window.argument.type)
        ? "exact"
        : "double"
      : fn === "COUNT" || fn === "FIRST_VALUE"
        ? "none"
        : null;
  // LAG keeps only its k newest rows and MIN and MAX a monotonic queue: nothing to share.
  if (accumulator === null) return null;
  const skipsNulls = fn !== "FIRST_VALUE" || window.ignoreNulls;
  const argument = JSON.stringify(window.argument, (_key, v: unknown) =>
    typeof v === "bigint" ? `${v}n` : v,
  );
  return `${JSON.stringify(window.frame)} ${argument} ${skipsNulls} ${accumulator}`;
}

/**
 * The code of the window in pump slot `slot`; `owner` is the slot of an earlier window of its
 * group that keeps the same ring (see `ringKey`), which this one then only reads.
 */
function windowCode(window: BoundWindow, slot: number, owner = slot): WindowCode {
  const fn = window.function;
  const rows = window.frame.kind === "rows";
  const span = window.frame.kind === "rows" ? window.frame.preceding : window.frame.milliseconds;
  const [w, a, d] = [`w${slot}`, `a${slot}`, `d${slot}`];
  const name = (prefix: string) => `${prefix}${slot}`;
  const reads = owner !== slot;
  /** A column of the ring's state: the owner's. */
  const shared = (prefix: string) => `${prefix}${owner}`;
  const numbers = window.argument !== null && isNumberType(window.argument.type);
  const noState = (step: string): WindowCode => ({
    columns: [],
    step,
    checksRange: false,
    snapshot: () => ({}),
    restore: () => {},
    newest: () => -Infinity,
  });
  const ring = shared("r");
  const R = `S.${ring}[i]`;
  /**
   * A window keeping its rows in a ring: `push` runs once rows below the frame are evicted (by
   * `evict`), then `result`; a window reading another's ring runs `prepare` and `result` only.
   */
  const ringWindow = (
    push: string,
    result: string,
    options: { evict?: string; prepare?: string; aux?: boolean; checksRange?: boolean } = {},
  ): WindowCode => ({
    columns: reads ? [] : [{ name: ring, kind: "rings", aux: options.aux === true }],
    step:
      `var ${ring} = ${R};\n` +
      (reads
        ? (options.prepare ?? "")
        : `${options.evict ?? `${ring}.evictBelow(L);`}\n${push}\n`) +
      result,
    checksRange: options.checksRange === true,
    snapshot: (columns, i) => ({ buffer: ringJson((columns[ring] as Ring[])[i]) }),
    restore: (columns, i, state) => {
      const target = new Ring(options.aux === true);
      for (const [position, value] of rowsOf(state)) target.push(position, value);
      (columns[ring] as Ring[])[i] = target;
    },
    newest: (columns, i) => {
      const r = (columns[ring] as Ring[])[i];
      return r.size === 0 ? -Infinity : r.position(r.size - 1);
    },
  });
  const keep = (skipsNulls: boolean) => (skipsNulls ? `${a} !== null` : "true");

  switch (fn) {
    case "LAG": {
      const k = window.offset;
      if (k === 0) return noState(`${w} = ${a};`);
      if (rows && k > span) return noState(`${w} = ${d};`);
      if (rows && !window.ignoreNulls && k === 1) {
        // The lab's LAG: the previous row's value is all it ever reads.
        const last = name("l");
        return {
          columns: [{ name: last, kind: "values", numbers }],
          step: `${w} = n > 0 ? S.${last}.get(i) : ${d};\nS.${last}.set(i, ${a});`,
          checksRange: false,
          snapshot: (columns, i) => {
            const count = columns.rows[i];
            const value = (columns[last] as NumberColumn).get(i);
            return count > 0
              ? { buffer: { p: [count - 1], v: [toSnapshotValue(value)] } }
              : { buffer: { p: [], v: [] } };
          },
          restore: (columns, i, state) => {
            const previous = rowsOf(state).find(([p]) => p === columns.rows[i] - 1);
            (columns[last] as NumberColumn).set(i, previous === undefined ? null : previous[1]);
          },
          newest: () => -Infinity,
        };
      }
      if (rows && !window.ignoreNulls) {
        // The last k values, the one of ordinal j at j % k.
        const last = name("l");
        return {
          columns: [{ name: last, kind: "slots", length: k }],
          step:
            `var l${slot} = S.${last}[i];\nvar s${slot} = n % ${k};\n` +
            `${w} = n >= ${k} ? l${slot}[s${slot}] : ${d};\nl${slot}[s${slot}] = ${a};`,
          checksRange: false,
          snapshot: (columns, i) => {
            const values = (columns[last] as SqlValue[][])[i];
            const count = columns.rows[i];
            const p: number[] = [];
            for (let j = Math.max(0, count - k); j < count; j++) p.push(j);
            return { buffer: { p, v: p.map((j) => toSnapshotValue(values[j % k])) } };
          },
          restore: (columns, i, state) => {
            const count = columns.rows[i];
            const values = new Array<SqlValue>(k).fill(null);
            for (const [p, value] of rowsOf(state))
              if (p >= count - k && p < count) values[p % k] = value;
            (columns[last] as SqlValue[][])[i] = values;
          },
          newest: () => -Infinity,
        };
      }
      // IGNORE NULLS, or a RANGE frame: the k-th newest kept row; older ones can never be read.
      return ringWindow(
        `${w} = ${ring}.size >= ${k} ? ${ring}.value(${ring}.size - ${k}) : ${d};\n` +
          `if (${keep(window.ignoreNulls)}) { ${ring}.push(P, ${a}); if (${ring}.size > ${k}) ${ring}.shift(); }`,
        "",
      );
    }
    case "LAST_VALUE": {
      if (!window.ignoreNulls) return noState(`${w} = ${a};`);
      const [position, value] = [name("q"), name("v")];
      return {
        columns: [
          { name: position, kind: "f64", initial: -Infinity },
          { name: value, kind: "values", numbers },
        ],
        step:
          `if (${a} !== null) { S.${position}[i] = P; S.${value}.set(i, ${a}); ${w} = ${a}; }\n` +
          `else ${w} = S.${position}[i] >= L ? S.${value}.get(i) : null;`,
        checksRange: false,
        snapshot: (columns, i) => {
          const last = (columns[position] as Float64Array)[i];
          return {
            lastPosition: Number.isFinite(last) ? last : null,
            lastValue: toSnapshotValue((columns[value] as NumberColumn).get(i)),
          };
        },
        restore: (columns, i, state) => {
          (columns[position] as Float64Array)[i] = state.lastPosition ?? -Infinity;
          (columns[value] as NumberColumn).set(i, fromSnapshotValue(state.lastValue));
        },
        newest: (columns, i) => (columns[position] as Float64Array)[i],
      };
    }
    case "FIRST_VALUE":
      return ringWindow(
        `if (${keep(window.ignoreNulls)}) ${ring}.push(P, ${a});`,
        `${w} = ${ring}.size > 0 ? ${ring}.value(0) : null;`,
      );
    case "COUNT":
      if (window.argument === null && rows)
        return noState(`${w} = n < ${span} ? n + 1 : ${span + 1};`);
      return ringWindow(
        `if (${keep(window.argument !== null)}) ${ring}.push(P, ${a});`,
        `${w} = ${ring}.size;`,
      );
    case "MIN":
    case "MAX": {
      // A monotonic queue: a value that can never again be the extreme is dropped at once.
      const dominated = fn === "MIN" ? ">=" : "<=";
      return ringWindow(
        `if (${a} !== null) {\n` +
          `  while (${ring}.size > 0 && ${ring}.last() ${dominated} ${a}) ${ring}.pop();\n` +
          `  ${ring}.push(P, ${a});\n}`,
        `${w} = ${ring}.size > 0 ? ${ring}.value(0) : null;`,
      );
    }
    case "SUM":
    case "AVG": {
      const count = `${ring}.size`;
      if (window.argument !== null && isIntegerType(window.argument.type)) {
        // An exact total (a bigint while beyond 2^53): it never drifts, and only the SUM result
        // is range-checked, after every window took the row.
        const total = shared("t");
        const T = `S.${total}`;
        const result =
          fn === "SUM"
            ? "t"
            : `(typeof t === "number" ? Math.trunc(t / ${count}) || 0 : H.fromBigint(t / BigInt(${count})))`;
        const code = ringWindow(
          `if (${a} !== null) { ${ring}.push(P, ${a}); t = H.addIntegers(t, ${a}); }\n${T}.set(i, t);`,
          `${w} = ${count} === 0 ? null : ${result};`,
          {
            evict:
              `var t = ${T}.get(i);\nwhile (${ring}.size > 0 && ${ring}.position(0) < L) ` +
              `{ t = H.subtractInteger(t, ${ring}.value(0)); ${ring}.shift(); }`,
            prepare: `var t = ${T}.get(i);\n`,
            checksRange: fn === "SUM",
          },
        );
        return {
          ...code,
          columns: reads
            ? []
            : [...code.columns, { name: total, kind: "values", numbers: true, initial: 0 }],
          restore: (columns, i, state) => {
            code.restore(columns, i, state);
            const r = (columns[ring] as Ring[])[i];
            let sum: number | bigint = 0;
            for (let j = 0; j < r.size; j++) sum = addIntegers(sum, r.value(j) as number | bigint);
            (columns[total] as NumberColumn).set(i, sum);
          },
        };
      }
      // DOUBLE, REAL, DECIMAL: two stacks (see `suffixSums`); a BIGINT beyond 2^53 counts as the
      // nearest double.
      const [front, back] = [`S.${shared("f")}`, `S.${shared("b")}`];
      const sum = `(${front}[i] > 0 ? H.frontSum(${ring}) : 0) + ${back}[i]`;
      const code = ringWindow(
        `if (${a} !== null) { var x${slot} = Number(${a}); ${ring}.push(P, x${slot}); ${back}[i] += x${slot}; }\n` +
          `if (${count} === 0) ${back}[i] = 0;`,
        `${w} = ${count} === 0 ? null : ${fn === "SUM" ? sum : `(${sum}) / ${count}`};`,
        {
          evict:
            `while (${ring}.size > 0 && ${ring}.position(0) < L) {\n` +
            `  if (${front}[i] === 0) { H.suffixSums(${ring}, ${ring}.size); ${front}[i] = ${ring}.size; ${back}[i] = 0; }\n` +
            `  ${ring}.shift(); ${front}[i]--;\n}`,
          aux: true,
        },
      );
      return {
        ...code,
        columns: reads
          ? []
          : [
              ...code.columns,
              { name: shared("f"), kind: "f64", initial: 0 },
              { name: shared("b"), kind: "f64", initial: 0 },
            ],
        snapshot: (columns, i) => ({
          ...code.snapshot(columns, i),
          front: (columns[shared("f")] as Float64Array)[i],
        }),
        restore: (columns, i, state) => {
          code.restore(columns, i, state);
          const r = (columns[ring] as Ring[])[i];
          // The same front and back as before the snapshot, so the sums continue bit for bit.
          const frontRows = Math.min(state.front ?? 0, r.size);
          suffixSums(r, frontRows);
          let backSum = 0;
          for (let j = frontRows; j < r.size; j++) backSum += r.value(j) as number;
          (columns[shared("f")] as Float64Array)[i] = frontRows;
          (columns[shared("b")] as Float64Array)[i] = backSum;
        },
      };
    }
  }
}

/**
 * The windows of one pump that share their PARTITION BY, and their partitions: indexes of the
 * application's `PartitionKeys` into the group's columns.
 */
export class WindowGroup {
  /** The windows' pump slots, in slot order. */
  readonly slots: readonly number[];
  readonly partitionBy: readonly BoundExpression[];
  /** Whether a window has a ROWS frame, so partitions count their rows (`n`). */
  readonly countsRows: boolean;
  /** RANGE frames only: partitions are forgotten once their rows have left every frame. */
  readonly expires: boolean;
  /** The columns by name (`S` in generated code). */
  readonly columns: Columns;
  /** How many partitions the group holds. */
  size = 0;
  private held = new Uint8Array(16);
  /** Expiring groups: the held indexes, densely, and where each is in that list. */
  private members = new Int32Array(16);
  private memberAt = new Int32Array(16);
  private nextSweep = -Infinity;
  private readonly codes: readonly WindowCode[];
  private readonly frames: readonly { readonly rows: boolean; readonly span: number }[];
  private readonly windowIds: readonly string[];
  private readonly specs: readonly ColumnSpec[];

  constructor(
    windows: readonly { window: BoundWindow; slot: number }[],
    private readonly keys: PartitionKeys,
  ) {
    this.slots = windows.map((w) => w.slot);
    this.windowIds = windows.map((w) => w.window.id);
    this.partitionBy = windows[0].window.partitionBy;
    this.frames = windows.map(({ window: { frame } }) =>
      frame.kind === "rows"
        ? { rows: true, span: frame.preceding }
        : { rows: false, span: frame.milliseconds },
    );
    this.countsRows = this.frames.some((frame) => frame.rows);
    this.expires = !this.countsRows;
    const owners = new Map<string, number>();
    this.codes = windows.map(({ window, slot }) => {
      const key = ringKey(window);
      if (key === null) return windowCode(window, slot);
      const owner = owners.get(key) ?? slot;
      owners.set(key, owner);
      return windowCode(window, slot, owner);
    });
    this.specs = [
      ...(this.countsRows ? [{ name: "rows", kind: "f64", initial: 0 } as const] : []),
      ...this.codes.flatMap((code) => code.columns),
    ];
    const columns: Record<string, unknown> = { rows: new Float64Array(0) };
    for (const spec of this.specs) {
      columns[spec.name] =
        spec.kind === "f64"
          ? new Float64Array(16)
          : spec.kind === "rings" || spec.kind === "slots"
            ? []
            : spec.numbers === true
              ? new NumberColumn()
              : new ValueColumn();
    }
    this.columns = columns as Columns;
  }

  /** The Map key of PARTITION BY values (see `PartitionKeys`). */
  mapKey(values: readonly SqlValue[]): unknown {
    if (values.length === 0) return null;
    if (values.length === 1) return values[0] ?? null;
    return deliveryJson(values.map((v) => v ?? null));
  }

  /** The partition of a Map key, created empty on first use; the pump calls this for every row. */
  partition(mapKey: unknown): number {
    const i = this.keys.index(mapKey);
    if (i >= this.held.length || this.held[i] === 0) this.add(i);
    return i;
  }

  private add(i: number): void {
    if (i >= this.held.length) this.grow(i);
    this.held[i] = 1;
    this.keys.hold(i);
    if (this.expires) {
      this.members[this.size] = i;
      this.memberAt[i] = this.size;
    }
    this.size++;
    for (const spec of this.specs) {
      const column = this.columns[spec.name];
      if (spec.kind === "f64") (column as Float64Array)[i] = spec.initial!;
      else if (spec.kind === "rings") (column as Ring[])[i] = new Ring(spec.aux === true);
      else if (spec.kind === "slots")
        (column as SqlValue[][])[i] = new Array<SqlValue>(spec.length!).fill(null);
      else (column as NumberColumn).set(i, spec.initial ?? null);
    }
  }

  private remove(i: number): void {
    this.held[i] = 0;
    for (const spec of this.specs) {
      const column = this.columns[spec.name];
      if (spec.kind === "rings" || spec.kind === "slots") (column as unknown[])[i] = null;
      else if (spec.kind === "values") (column as NumberColumn).set(i, null);
    }
    const at = this.memberAt[i];
    const last = this.members[--this.size];
    this.members[at] = last;
    this.memberAt[last] = at;
    this.keys.release(i);
  }

  private grow(index: number): void {
    this.held = grown(this.held, index);
    if (this.expires) {
      this.members = grown(this.members, index);
      this.memberAt = grown(this.memberAt, index);
    }
    for (const spec of this.specs) {
      const column = this.columns[spec.name];
      if (spec.kind === "f64") this.columns[spec.name] = grown(column as Float64Array, index);
      else if (spec.kind === "values") (column as NumberColumn).grow(index);
    }
  }

  /**
   * JavaScript that steps every window of the group for the row of partition `i`, at ROWTIME
   * `rt`, with `a<slot>` and `d<slot>` the arguments and defaults; it leaves `w<slot>`.
   */
  stepCode(): string {
    const parts: string[] = [];
    if (this.countsRows) parts.push("var n = S.rows[i];");
    this.codes.forEach((code, index) => {
      // A row's position is its ordinal for ROWS frames and its ROWTIME for RANGE frames, so one
      // rule evicts both: rows below the frame's lowest position `L` have left it.
      const { rows, span } = this.frames[index];
      const position = rows ? "n" : "rt";
      parts.push(`{\nconst P = ${position}, L = ${position} - ${span};\n${code.step}\n}`);
    });
    if (this.countsRows) parts.push("S.rows[i] = n + 1;");
    return parts.join("\n");
  }

  /** JavaScript that throws the row's Numeric_Overflow for an integer SUM past ±(2^63 - 1). */
  checkCode(): string {
    return this.codes
      .map((code, index) => {
        const w = `w${this.slots[index]}`;
        return code.checksRange
          ? `if (typeof ${w} === "bigint") H.checkSum(${w}, ${JSON.stringify(this.windowIds[index])});\n`
          : "";
      })
      .join("");
  }

  /**
   * Forgets the partitions whose rows have all left every frame by ROWTIME `rowtime`, when
   * ROWTIME has moved on by an eighth of the widest frame since the last look: each partition is
   * looked at a bounded number of times before it expires, and outlives its rows by at most that.
   */
  expire(rowtime: number): void {
    if (rowtime < this.nextSweep) return;
    const spans = this.frames.map((frame) => frame.span);
    this.nextSweep = rowtime + Math.max(...spans) / 8;
    for (let m = this.size - 1; m >= 0; m--) {
      const i = this.members[m];
      if (this.codes.every((code, w) => code.newest(this.columns, i) + spans[w] < rowtime))
        this.remove(i);
    }
  }

  /** Window ids of the group, in slot order. */
  get ids(): readonly string[] {
    return this.windowIds;
  }

  /** The state of window `id` in every partition whose PARTITION BY values pass `filter`. */
  snapshot(id: string, filter?: (key: readonly SqlValue[]) => boolean): PartitionSnapshot[] {
    const index = this.windowIds.indexOf(id);
    const code = this.codes[index];
    const rows = this.frames[index].rows;
    const result: PartitionSnapshot[] = [];
    for (const i of this.partitions()) {
      const key = this.keyValues(i);
      if (filter && !filter(key)) continue;
      const state = code.snapshot(this.columns, i);
      result.push({
        window: id,
        key,
        state: rows ? { rows: this.columns.rows[i], ...state } : state,
      });
    }
    return result;
  }

  /** The held partitions: in the order they were created, until one was forgotten. */
  private partitions(): number[] {
    if (this.expires) return [...this.members.subarray(0, this.size)];
    const result: number[] = [];
    for (let i = 0; i < this.held.length; i++) if (this.held[i] === 1) result.push(i);
    return result;
  }

  /** Replaces window `id`'s state in one partition, creating the partition if needed. */
  restore(id: string, snapshot: PartitionSnapshot): void {
    const state = snapshot.state as StateJson;
    if (typeof state !== "object" || state === null || Array.isArray(state)) {
      throw new TypeError(
        `Invalid snapshot state for window "${id}": ${JSON.stringify(state)}; expected an object`,
      );
    }
    if (state.rows !== undefined && typeof state.rows !== "number") {
      throw new TypeError(
        `Invalid snapshot state for window "${id}": rows is ${JSON.stringify(state.rows)}; expected a number`,
      );
    }
    const i = this.partition(this.mapKey(snapshot.key.map((v) => v ?? null)));
    if (this.countsRows && state.rows !== undefined) this.columns.rows[i] = state.rows;
    this.codes[this.windowIds.indexOf(id)].restore(this.columns, i, state);
  }

  private keyValues(i: number): SqlValue[] {
    const count = this.partitionBy.length;
    if (count === 0) return [];
    const mapKey = this.keys.keys[i];
    if (count === 1) return [mapKey as SqlValue];
    return parseJson(mapKey as string) as SqlValue[];
  }
}
