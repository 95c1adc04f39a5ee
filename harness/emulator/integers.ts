/**
 * Exact 64-bit BIGINT (docs/semantics.md, "Types and overflow"). A BIGINT value is a JavaScript
 * `number` while it is a safe integer (|v| <= 2^53 - 1), the fast path every lab value takes, and a
 * `bigint` only beyond: one value has one representation, so `===` still compares BIGINTs of
 * either kind and a `number` never holds a rounded integer. Every operation that may leave the
 * safe range goes through `fromBigint`, which brings small results back to `number`.
 */
import { SqlRowError } from "./errors";

/** The BIGINT range of a 64-bit signed integer: -2^63 .. 2^63 - 1. */
export const minBigint = -(2n ** 63n);
export const maxBigint = 2n ** 63n - 1n;

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
const minSafe = -maxSafe;

/** An exact integer in the BIGINT representation: a `number` when safe, else the `bigint`. */
export function fromBigint(value: bigint): number | bigint {
  return value >= minSafe && value <= maxSafe ? Number(value) : value;
}

/**
 * The exact integer of a JSON integer text (`-?digits`), in the BIGINT representation. Up to 15
 * digits a double holds it exactly, so this only pays for `BigInt` beyond.
 */
export function integerOfDigits(text: string): number | bigint {
  const digits = text.charCodeAt(0) === 45 ? text.length - 1 : text.length;
  return digits <= 15 ? Number(text) : fromBigint(BigInt(text));
}

/**
 * The exact value of an integral double in the BIGINT representation (`2 ** 60` becomes the
 * bigint 1152921504606846976n, not a rounded number), or null when `value` is not an integer.
 */
export function integerOfDouble(value: number): number | bigint | null {
  if (Number.isSafeInteger(value)) return value;
  if (!Number.isInteger(value)) return null;
  return BigInt(value);
}

/** Whether an integer in the BIGINT representation is inside the 64-bit range. */
export function inBigintRange(value: number | bigint): boolean {
  return typeof value === "number" || (value >= minBigint && value <= maxBigint);
}

/**
 * Checks a computed BIGINT result: `Numeric_Overflow` outside the 64-bit range, otherwise the
 * value in the BIGINT representation. `what` names the computation in the message (`a + b`).
 */
export function bigintResult(value: bigint, what: () => string): number | bigint {
  if (value < minBigint || value > maxBigint) {
    throw new SqlRowError(
      "Numeric_Overflow",
      `Numeric overflow in ${what()}: ${value} is outside BIGINT range ${minBigint}..${maxBigint}`,
    );
  }
  return fromBigint(value);
}

/** A number or bigint operand as a bigint, for the exact slow path of an operation. */
export function toBigint(value: number | bigint): bigint {
  return typeof value === "bigint" ? value : BigInt(value);
}

/**
 * The exact sum of two integers in the BIGINT representation, without a range check: a window's
 * running total may pass 2^63 for a while and come back (only a result is checked).
 */
export function addIntegers(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === "number" && typeof b === "number") {
    const sum = a + b;
    if (Number.isSafeInteger(sum)) return sum;
  }
  return fromBigint(toBigint(a) + toBigint(b));
}
