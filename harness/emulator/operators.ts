/**
 * SQL operators with SQL's NULL semantics, as plain functions. The alasql adapter routes every
 * operator through these, because alasql's own operators follow JavaScript: `'a' || NULL` is
 * `'a'`, `NULL + 1` is `1` and `NULL = NULL` is true there, where SQL gives NULL.
 */
import type { SqlValue } from "./types";
import { checkInteger, RowErrorName } from "./sqlTypes";
import { SqlRowError } from "./errors";

type Value = SqlValue | undefined;
type Operator = (...args: Value[]) => SqlValue;

const divisionByZero = (): SqlRowError =>
  new SqlRowError(RowErrorName.DivisionByZero, "Division by zero");

/** Range check of an integer result; the message is built only when it fails. */
function checked(
  result: number,
  low: number,
  high: number,
  kind: string,
  a: Value,
  symbol: string,
  b: Value,
): number {
  if (result >= low && result <= high) return result;
  return checkInteger(result, kind as "BIGINT", `${a} ${symbol} ${b}`);
}

const maxBigint = Number.MAX_SAFE_INTEGER;
const minBigint = Number.MIN_SAFE_INTEGER;
const maxInteger = 2147483647;
const minInteger = -2147483648;

function integerDivide(low: number, high: number, kind: string): Operator {
  return (a, b) => {
    if (a == null || b == null) return null;
    if (b === 0) throw divisionByZero();
    return checked(Math.trunc((a as number) / (b as number)), low, high, kind, a, "/", b);
  };
}

const withoutTrailingBlanks = (v: Value): Value =>
  typeof v === "string" ? v.replace(/ +$/, "") : v;

/**
 * Every operator by the name the adapter registers it under (prefixed `KDA_` in alasql).
 * Integer variants (`ADD_BIGINT`) raise `Numeric_Overflow` outside their type's range; `_PAD`
 * comparisons ignore trailing blanks, as SQL compares CHAR values.
 */
export const operators: Readonly<Record<string, Operator>> = {
  ADD: (a, b) => (a == null || b == null ? null : (a as number) + (b as number)),
  ADD_BIGINT: (a, b) =>
    a == null || b == null
      ? null
      : checked((a as number) + (b as number), minBigint, maxBigint, "BIGINT", a, "+", b),
  ADD_INTEGER: (a, b) =>
    a == null || b == null
      ? null
      : checked((a as number) + (b as number), minInteger, maxInteger, "INTEGER", a, "+", b),
  SUB: (a, b) => (a == null || b == null ? null : (a as number) - (b as number)),
  SUB_BIGINT: (a, b) =>
    a == null || b == null
      ? null
      : checked((a as number) - (b as number), minBigint, maxBigint, "BIGINT", a, "-", b),
  SUB_INTEGER: (a, b) =>
    a == null || b == null
      ? null
      : checked((a as number) - (b as number), minInteger, maxInteger, "INTEGER", a, "-", b),
  MUL: (a, b) => (a == null || b == null ? null : (a as number) * (b as number)),
  MUL_BIGINT: (a, b) =>
    a == null || b == null
      ? null
      : checked((a as number) * (b as number), minBigint, maxBigint, "BIGINT", a, "*", b),
  MUL_INTEGER: (a, b) =>
    a == null || b == null
      ? null
      : checked((a as number) * (b as number), minInteger, maxInteger, "INTEGER", a, "*", b),
  DIV: (a, b) => {
    if (a == null || b == null) return null;
    if (b === 0) throw divisionByZero();
    return (a as number) / (b as number);
  },
  DIV_BIGINT: integerDivide(minBigint, maxBigint, "BIGINT"),
  DIV_INTEGER: integerDivide(minInteger, maxInteger, "INTEGER"),
  NEG: (a) => (a == null ? null : -(a as number)),
  CONCAT: (a, b) => (a == null || b == null ? null : (a as string) + (b as string)),
  EQ: (a, b) => (a == null || b == null ? null : a === b),
  NE: (a, b) => (a == null || b == null ? null : a !== b),
  LT: (a, b) => (a == null || b == null ? null : (a as number) < (b as number)),
  LE: (a, b) => (a == null || b == null ? null : (a as number) <= (b as number)),
  GT: (a, b) => (a == null || b == null ? null : (a as number) > (b as number)),
  GE: (a, b) => (a == null || b == null ? null : (a as number) >= (b as number)),
  EQ_PAD: (a, b) =>
    a == null || b == null ? null : withoutTrailingBlanks(a) === withoutTrailingBlanks(b),
  NE_PAD: (a, b) =>
    a == null || b == null ? null : withoutTrailingBlanks(a) !== withoutTrailingBlanks(b),
  LT_PAD: (a, b) =>
    a == null || b == null
      ? null
      : (withoutTrailingBlanks(a) as string) < (withoutTrailingBlanks(b) as string),
  LE_PAD: (a, b) =>
    a == null || b == null
      ? null
      : (withoutTrailingBlanks(a) as string) <= (withoutTrailingBlanks(b) as string),
  GT_PAD: (a, b) =>
    a == null || b == null
      ? null
      : (withoutTrailingBlanks(a) as string) > (withoutTrailingBlanks(b) as string),
  GE_PAD: (a, b) =>
    a == null || b == null
      ? null
      : (withoutTrailingBlanks(a) as string) >= (withoutTrailingBlanks(b) as string),
  // Three-valued logic: FALSE wins AND, TRUE wins OR, otherwise any NULL makes NULL.
  AND: (a, b) => (a === false || b === false ? false : a == null || b == null ? null : true),
  OR: (a, b) => (a === true || b === true ? true : a == null || b == null ? null : false),
  NOT: (a) => (a == null ? null : !a),
  IS_NULL: (a) => a == null,
  IS_TRUE: (a) => a === true,
  IS_NOT_NULL: (a) => a != null,
};
