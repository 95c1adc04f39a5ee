/**
 * SQL operators with SQL's NULL semantics, as plain functions. The alasql adapter routes every
 * operator through these, because alasql's own operators follow JavaScript: `'a' || NULL` is
 * `'a'`, `NULL + 1` is `1` and `NULL = NULL` is true there, where SQL gives NULL.
 */
import type { SqlValue } from "./types";
import { checkInteger, RowErrorName } from "./sqlTypes";
import { bigintResult, toBigint } from "./integers";
import { SqlRowError } from "./errors";

type Value = SqlValue | undefined;
type Operator = (...args: Value[]) => SqlValue;
type Integer = number | bigint;

const divisionByZero = (): SqlRowError =>
  new SqlRowError(RowErrorName.DivisionByZero, "Division by zero");

/** Range check of an INTEGER result; the message is built only when it fails. */
function checked(result: number, a: Value, symbol: string, b: Value): number {
  if (result >= -2147483648 && result <= 2147483647) return result;
  return checkInteger(result, "INTEGER", `${a} ${symbol} ${b}`) as number;
}

const maxSafe = Number.MAX_SAFE_INTEGER;

/**
 * The exact slow path of a BIGINT operator, taken when an operand is a bigint or the double result
 * left the safe range: the bigint result, range-checked (docs/semantics.md, "Types and overflow").
 */
function exactly(result: bigint, a: Value, symbol: string, b: Value): number | bigint {
  return bigintResult(result, () => `${a} ${symbol} ${b}`);
}

const bigintDivide: Operator = (a, b) => {
  if (a == null || b == null) return null;
  if (b === 0) throw divisionByZero();
  // With |a| < 2^53 the double quotient truncates to the exact integer quotient.
  if (typeof a === "number" && typeof b === "number") return Math.trunc(a / b) || 0;
  return bigintResult(toBigint(a as Integer) / toBigint(b as Integer), () => `${a} / ${b}`);
};

const integerDivide: Operator = (a, b) => {
  if (a == null || b == null) return null;
  if (b === 0) throw divisionByZero();
  return checked(Math.trunc((a as number) / (b as number)), a, "/", b);
};

/** An operand of a DOUBLE or DECIMAL operator: a BIGINT beyond 2^53 counts as the nearest double. */
const double = (value: Value): number => Number(value);

const withoutTrailingBlanks = (v: Value): Value =>
  typeof v === "string" ? v.replace(/ +$/, "") : v;

/**
 * Every operator by the name the adapter registers it under (prefixed `KDA_` in alasql).
 * Integer variants (`ADD_BIGINT`) raise `Numeric_Overflow` outside their type's range; `_PAD`
 * comparisons ignore trailing blanks, as SQL compares CHAR values.
 */
export const operators: Readonly<Record<string, Operator>> = {
  ADD: (a, b) => (a == null || b == null ? null : double(a) + double(b)),
  // The BIGINT operators: the double result when both operands are numbers and the result is a
  // safe integer (then it is exact: a double rounds only beyond 2^53), else `exactly`. Written
  // out one by one, not made by one factory, so each is its own function V8 inlines.
  ADD_BIGINT: (a, b) => {
    if (a == null || b == null) return null;
    if (typeof a === "number" && typeof b === "number") {
      const result = a + b;
      if (result <= maxSafe && result >= -maxSafe) return result;
    }
    return exactly(toBigint(a as Integer) + toBigint(b as Integer), a, "+", b);
  },
  ADD_INTEGER: (a, b) =>
    a == null || b == null ? null : checked((a as number) + (b as number), a, "+", b),
  SUB: (a, b) => (a == null || b == null ? null : double(a) - double(b)),
  SUB_BIGINT: (a, b) => {
    if (a == null || b == null) return null;
    if (typeof a === "number" && typeof b === "number") {
      const result = a - b;
      if (result <= maxSafe && result >= -maxSafe) return result;
    }
    return exactly(toBigint(a as Integer) - toBigint(b as Integer), a, "-", b);
  },
  SUB_INTEGER: (a, b) =>
    a == null || b == null ? null : checked((a as number) - (b as number), a, "-", b),
  MUL: (a, b) => (a == null || b == null ? null : double(a) * double(b)),
  MUL_BIGINT: (a, b) => {
    if (a == null || b == null) return null;
    if (typeof a === "number" && typeof b === "number") {
      const result = a * b;
      if (result <= maxSafe && result >= -maxSafe) return result;
    }
    return exactly(toBigint(a as Integer) * toBigint(b as Integer), a, "*", b);
  },
  MUL_INTEGER: (a, b) =>
    a == null || b == null ? null : checked((a as number) * (b as number), a, "*", b),
  DIV: (a, b) => {
    if (a == null || b == null) return null;
    const divisor = double(b);
    if (divisor === 0) throw divisionByZero();
    return double(a) / divisor;
  },
  DIV_BIGINT: bigintDivide,
  DIV_INTEGER: integerDivide,
  NEG: (a) =>
    a == null ? null : typeof a === "bigint" ? bigintResult(-a, () => `-(${a})`) : -(a as number),
  CONCAT: (a, b) => (a == null || b == null ? null : (a as string) + (b as string)),
  // One BIGINT has one representation, so === compares BIGINTs; == compares a bigint with a double.
  EQ: (a, b) => (a == null || b == null ? null : a === b || (typeof a !== typeof b && a == b)),
  NE: (a, b) => (a == null || b == null ? null : !(a === b || (typeof a !== typeof b && a == b))),
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
