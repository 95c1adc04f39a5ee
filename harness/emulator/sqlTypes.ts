/**
 * SQL types and values: type classes, CHAR padding, overflow policy, integer ranges, the canonical
 * text of a TIMESTAMP, and CAST between types. TIMESTAMP values are epoch milliseconds (UTC).
 */
import type { ColumnType, SqlValue } from "./types";
import { SqlRowError } from "./errors";
import { fromBigint, maxBigint, minBigint } from "./integers";

/** A column type, or the type of an untyped `NULL` literal. */
export type SqlType = ColumnType | { readonly kind: "NULL" };

export const NullType: SqlType = { kind: "NULL" };
export const BooleanType: SqlType = { kind: "BOOLEAN" };
export const TimestampType: SqlType = { kind: "TIMESTAMP" };
export const BigintType: SqlType = { kind: "BIGINT" };
export const IntegerType: SqlType = { kind: "INTEGER" };
export const DoubleType: SqlType = { kind: "DOUBLE" };

/** Longest string a VARCHAR without a stated bound (a `||` result) can hold. */
export const maxVarcharLength = 65535;

/** Error names on `error_stream` for rows that fail while a pump evaluates them. */
export const RowErrorName = {
  ValueTooLong: "Value_Too_Long",
  NumericOverflow: "Numeric_Overflow",
  DivisionByZero: "Division_By_Zero",
  TypeConversion: "Type_Conversion_Error",
  InvalidArgument: "Invalid_Argument",
} as const;

/**
 * `Value_Too_Long`: a string longer than the column it is stored in. The message names the value's
 * length, or, for an input value the input mapping cut (docs/semantics.md, "Input mapping"), its
 * length before the cut: `...: 100000 characters (truncated to 32 on input: "aaaa..."); allowed at
 * most 7`.
 */
export class ValueTooLongError extends SqlRowError {
  constructor(
    /** The value as the pump computed it. */
    readonly value: string,
    readonly type: ColumnType,
    readonly columnName: string,
    readonly length: number,
    /** The value's length before the input mapping cut it, when it did. */
    readonly originalLength?: number,
  ) {
    const shown = JSON.stringify(value.length > 80 ? value.slice(0, 80) + "..." : value);
    const characters =
      originalLength === undefined
        ? `${value.length} characters (${shown})`
        : `${originalLength} characters (truncated to ${value.length} on input: ${shown})`;
    super(
      RowErrorName.ValueTooLong,
      `Value too long for column "${columnName}" ${formatType(type)}: ${characters}; ` +
        `allowed at most ${length}`,
    );
  }

  /** The same error, naming `originalLength`, the value's length before the input cut it. */
  withOriginalLength(originalLength: number): ValueTooLongError {
    return new ValueTooLongError(
      this.value,
      this.type,
      this.columnName,
      this.length,
      originalLength,
    );
  }
}

const integerRanges = {
  SMALLINT: [-32768, 32767],
  INTEGER: [-2147483648, 2147483647],
  BIGINT: [minBigint, maxBigint],
} as const;

export function isIntegerType(type: SqlType): boolean {
  return type.kind === "BIGINT" || type.kind === "INTEGER" || type.kind === "SMALLINT";
}

export function isNumericType(type: SqlType): boolean {
  return (
    isIntegerType(type) || type.kind === "DOUBLE" || type.kind === "REAL" || type.kind === "DECIMAL"
  );
}

export function isStringType(type: SqlType): boolean {
  return type.kind === "CHAR" || type.kind === "VARCHAR";
}

/** `VARCHAR(7)`, `BIGINT`, `NULL`. */
export function formatType(type: SqlType): string {
  return "length" in type && type.length !== undefined ? `${type.kind}(${type.length})` : type.kind;
}

/**
 * Whether a value of type `from` may be stored in a column of type `to` without CAST: numbers into
 * numbers, strings into strings, and each other type only into itself; NULL into anything.
 */
export function isAssignable(from: SqlType, to: SqlType): boolean {
  if (from.kind === "NULL") return true;
  if (isNumericType(from) && isNumericType(to)) return true;
  if (isStringType(from) && isStringType(to)) return true;
  return from.kind === to.kind;
}

/** Whether two types can be compared with `=`, `<` and the like. */
export function isComparable(a: SqlType, b: SqlType): boolean {
  return isAssignable(a, b) || isAssignable(b, a);
}

/** The type of a CASE or COALESCE whose branches have these types; null when they do not mix. */
export function commonType(types: readonly SqlType[]): SqlType | null {
  const typed = types.filter((t): t is ColumnType => t.kind !== "NULL");
  if (typed.length === 0) return NullType;
  let result: ColumnType = typed[0];
  for (const type of typed.slice(1)) {
    if (isStringType(result) && isStringType(type)) {
      const length = Math.max(result.length ?? 0, type.length ?? 0);
      result =
        result.kind === "CHAR" && type.kind === "CHAR" && result.length === type.length
          ? result
          : { kind: "VARCHAR", length };
    } else if (isNumericType(result) && isNumericType(type)) {
      result = widerNumeric(result, type) as ColumnType;
    } else if (result.kind !== type.kind) {
      return null;
    }
  }
  return result;
}

/** The result type of arithmetic on two numeric types: any inexact operand makes it DOUBLE. */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (!isIntegerType(a) || !isIntegerType(b)) {
    return a.kind === "DECIMAL" && b.kind === "DECIMAL" ? a : DoubleType;
  }
  if (a.kind === "BIGINT" || b.kind === "BIGINT") return BigintType;
  return IntegerType;
}

/**
 * Converts a value about to be inserted into a column of `type`: pads CHAR, checks string
 * lengths and integer ranges. Overflowing strings throw `Value_Too_Long` unless `overflow` is
 * `truncate`. `coerceForColumn('user1', CHAR(7), 'error')` is `'user1  '`.
 */
export function coerceForColumn(
  value: SqlValue,
  type: ColumnType,
  overflow: "error" | "truncate",
  columnName: string,
): SqlValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case "CHAR":
    case "VARCHAR": {
      const text = value as string;
      const length = type.length ?? maxVarcharLength;
      if (text.length <= length) return type.kind === "CHAR" ? text.padEnd(length, " ") : text;
      // docs/semantics.md: any value longer than the column overflows, trailing blanks included.
      if (overflow === "truncate") return text.slice(0, length);
      throw new ValueTooLongError(text, type, columnName, length);
    }
    case "BIGINT":
    case "INTEGER":
    case "SMALLINT":
      return checkInteger(truncated(value as number | bigint), type.kind, columnName);
    case "REAL":
      return Math.fround(Number(value));
    default:
      // A BIGINT beyond 2^53 stored in a DOUBLE or DECIMAL column becomes the nearest double.
      return typeof value === "bigint" ? Number(value) : value;
  }
}

/**
 * A number's integer part toward zero, exact: a double beyond 2^53 becomes the bigint of its exact
 * value (so `2 ** 60` stays 2^60, not a rounded neighbour). NaN and infinities stay as they are, for
 * `checkInteger` to refuse.
 */
function truncated(value: number | bigint): number | bigint {
  if (typeof value === "bigint") return value;
  const integer = Math.trunc(value);
  return Number.isSafeInteger(integer) || !Number.isFinite(integer) ? integer : BigInt(integer);
}

/**
 * Throws `Numeric_Overflow` when `value` is outside the range of the integer type; otherwise
 * returns it in the BIGINT representation (a number while safe, else a bigint).
 */
export function checkInteger(
  value: number | bigint,
  kind: "BIGINT" | "INTEGER" | "SMALLINT",
  what: string,
): number | bigint {
  const [low, high] = integerRanges[kind];
  if (value < low || value > high || Number.isNaN(value)) {
    throw new SqlRowError(
      RowErrorName.NumericOverflow,
      `Numeric overflow in ${what}: ${value} is outside ${kind} range ${low}..${high}`,
    );
  }
  return typeof value === "bigint" ? fromBigint(value) : value;
}

const pad2 = (n: number): string => (n < 10 ? "0" + n : "" + n);
const pad3 = (n: number): string => (n < 10 ? "00" + n : n < 100 ? "0" + n : "" + n);

const dayMs = 86_400_000;

/** `yyyy-MM-dd ` of a Date in UTC. */
function dateText(d: Date): string {
  const year = d.getUTCFullYear();
  const yyyy = year >= 0 && year < 10000 ? String(year).padStart(4, "0") : String(year);
  return `${yyyy}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} `;
}

/** The date part of the last day formatted: a stream's consecutive rows mostly share a day. */
let lastDay = NaN;
let lastDayText = "";

/** The canonical text of a TIMESTAMP: `yyyy-MM-dd HH:mm:ss.SSS` in UTC. */
export function formatTimestamp(ms: number): string {
  if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15) {
    // Outside Date's range or fractional: exactly as a Date reads it.
    const d = new Date(ms);
    return (
      dateText(d) +
      `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}`
    );
  }
  const day = Math.floor(ms / dayMs);
  if (day !== lastDay) {
    lastDayText = dateText(new Date(day * dayMs));
    lastDay = day;
  }
  const time = ms - day * dayMs;
  return (
    lastDayText +
    pad2(Math.floor(time / 3_600_000)) +
    ":" +
    pad2(Math.floor(time / 60_000) % 60) +
    ":" +
    pad2(Math.floor(time / 1000) % 60) +
    "." +
    pad3(time % 1000)
  );
}

const timestampText =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/;

/** Parses `yyyy-MM-dd[ HH:mm[:ss[.SSS]]]` as UTC; null when the text is not such a timestamp. */
export function parseTimestamp(text: string): number | null {
  const m = timestampText.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const d = new Date(ms);
  if (
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  return ms;
}

const integerText = /^\s*[+-]?\d+\s*$/;
const numberText = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function conversionError(value: SqlValue, to: ColumnType): SqlRowError {
  return new SqlRowError(
    RowErrorName.TypeConversion,
    `Cannot CAST ${JSON.stringify(value)} to ${formatType(to)}`,
  );
}

/**
 * `CAST(value AS to)` for a value of type `from`. Strings to numbers accept number text;
 * numbers to integers truncate toward zero; strings shorter than a CHAR are padded, longer ones
 * truncated (CAST never overflows a string).
 */
export function castValue(value: SqlValue, from: SqlType, to: ColumnType): SqlValue {
  if (value === null || value === undefined) return null;
  switch (to.kind) {
    case "CHAR":
    case "VARCHAR": {
      let text: string;
      if (from.kind === "TIMESTAMP") text = formatTimestamp(value as number);
      else if (typeof value === "boolean") text = value ? "TRUE" : "FALSE";
      else text = String(value);
      const length = to.length ?? maxVarcharLength;
      if (text.length > length) text = text.slice(0, length);
      return to.kind === "CHAR" ? text.padEnd(length, " ") : text;
    }
    case "BIGINT":
    case "INTEGER":
    case "SMALLINT": {
      let n: number | bigint;
      if (typeof value === "string") {
        // Integer text is read exactly (BigInt takes the blanks and sign integerText allows).
        if (integerText.test(value)) n = fromBigint(BigInt(value));
        else if (numberText.test(value)) n = truncated(Number(value));
        else throw conversionError(value, to);
      } else if (typeof value === "boolean") {
        throw conversionError(value, to);
      } else n = truncated(value);
      return checkInteger(n, to.kind, "CAST");
    }
    case "DOUBLE":
    case "REAL":
    case "DECIMAL": {
      if (typeof value === "boolean") throw conversionError(value, to);
      if (typeof value === "string" && !numberText.test(value)) throw conversionError(value, to);
      const n = Number(value);
      return to.kind === "REAL" ? Math.fround(n) : n;
    }
    case "BOOLEAN": {
      if (typeof value === "boolean") return value;
      if (typeof value === "string") {
        const upper = value.trim().toUpperCase();
        if (upper === "TRUE") return true;
        if (upper === "FALSE") return false;
      }
      throw conversionError(value, to);
    }
    case "TIMESTAMP": {
      if (typeof value === "number") return value;
      if (typeof value === "string") {
        const ms = parseTimestamp(value);
        if (ms !== null) return ms;
      }
      throw conversionError(value, to);
    }
  }
}

/** Whether CAST from one type to another is allowed at all (checked at load). */
export function isCastable(from: SqlType, to: ColumnType): boolean {
  if (from.kind === "NULL" || isStringType(to) || isStringType(from)) return true;
  if (isNumericType(from) && isNumericType(to)) return true;
  return from.kind === to.kind;
}

type Stored = SqlValue | undefined;

function storeString(
  value: string,
  type: ColumnType,
  name: string,
  overflow: "error" | "truncate",
): SqlValue {
  const length = type.length ?? maxVarcharLength;
  if (value.length <= length) return type.kind === "CHAR" ? value.padEnd(length, " ") : value;
  // docs/semantics.md: any value longer than the column overflows, trailing blanks included.
  if (overflow === "truncate") return value.slice(0, length);
  throw new ValueTooLongError(value, type, name, length);
}

/** The INSERT rule of one column: a computed value in, the value the column holds out. */
export type StoreFunction = (value: Stored) => SqlValue;

/**
 * The INSERT rule of a column (docs/semantics.md, "Types and overflow"): CHAR padding, VARCHAR and
 * CHAR overflow (`error`: the row fails with Value_Too_Long; `truncate`), integer range, REAL
 * rounding. A pump applies it after the whole SELECT list is computed, so an error in computing a
 * value is reported before an overflow in storing one. The common case returns at once.
 */
export function storeFunctionFor(
  type: ColumnType,
  name: string,
  overflow: "error" | "truncate",
): StoreFunction {
  switch (type.kind) {
    case "VARCHAR": {
      const length = type.length ?? maxVarcharLength;
      return (value) =>
        value == null
          ? null
          : (value as string).length <= length
            ? value
            : storeString(value as string, type, name, overflow);
    }
    case "CHAR":
      return (value) =>
        value == null
          ? null
          : (value as string).length === type.length
            ? value
            : storeString(value as string, type, name, overflow);
    case "BIGINT":
      return (value) =>
        value == null
          ? null
          : Number.isSafeInteger(value)
            ? value
            : coerceForColumn(value, type, overflow, name);
    case "INTEGER":
    case "SMALLINT":
      return (value) => (value == null ? null : coerceForColumn(value, type, overflow, name));
    case "REAL":
      return (value) => (value == null ? null : Math.fround(Number(value)));
    case "DOUBLE":
    case "DECIMAL":
      return (value) =>
        value === undefined ? null : typeof value === "bigint" ? Number(value) : value;
    default:
      return (value) => (value === undefined ? null : value);
  }
}
