/**
 * JSON text with exact 64-bit integers. `JSON.parse` reads every number as a double, so an integer
 * beyond 2^53 arrives rounded, and `JSON.stringify` refuses a `bigint`; BIGINT needs both exact
 * (docs/semantics.md, "Types and overflow"). Node 20 has no reviver with source text
 * (`context.source`) and no `JSON.rawJSON`, so: `parseJson` lets `JSON.parse` validate and parse,
 * and only when the text holds a run of 16 or more digits reads it again with a small parser that
 * keeps such integers as `bigint`; `deliveryJson` writes `bigint` values as their digits.
 *
 * A public entry of the emulator beside its index: it imports only the integer helpers, so the KDA
 * delivery function can read and write rows with it without bundling the SQL engine.
 */
import { integerOfDigits } from "./integers";

/**
 * Whether the text has 16 digits in a row, the shortest that can spell an integer a double may
 * round. A loop, not `/\d{16}/`, which retries at every digit of every shorter run.
 */
function hasLongDigitRun(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run === 16) return true;
    } else run = 0;
  }
  return false;
}

/**
 * `JSON.parse`, except that an integer literal beyond 2^53 (`12345678901234567890`) becomes the
 * exact `bigint` (one within 2^53 stays a number, as BIGINT values are represented). Throws
 * `JSON.parse`'s `SyntaxError` for text that is not JSON.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return hasLongDigitRun(text) ? new ExactParser(text).parse() : value;
}

/** A reader of text that `JSON.parse` has already accepted; it keeps long integers exact. */
class ExactParser {
  private i = 0;

  constructor(private readonly text: string) {}

  parse(): unknown {
    // Iterative, with an explicit stack: a deeply nested record must not overflow the call stack.
    const containers: (unknown[] | Record<string, unknown>)[] = [];
    const keys: (string | null)[] = [];
    let value: unknown;
    for (;;) {
      this.skipWhitespace();
      const ch = this.text.charCodeAt(this.i);
      if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
        this.i++;
        this.skipWhitespace();
        const object = ch === 0x7b;
        const container: unknown[] | Record<string, unknown> = object ? {} : [];
        const close = object ? 0x7d : 0x5d;
        if (this.text.charCodeAt(this.i) === close) {
          this.i++;
          value = container;
        } else {
          containers.push(container);
          keys.push(object ? this.key() : null);
          continue;
        }
      } else value = this.scalar(ch);
      // Store the value in its container, closing every container that ends here.
      for (;;) {
        if (containers.length === 0) return value;
        const container = containers[containers.length - 1];
        const key = keys[keys.length - 1];
        if (key === null) (container as unknown[]).push(value);
        else setOwn(container as Record<string, unknown>, key, value);
        this.skipWhitespace();
        if (this.text.charCodeAt(this.i++) === 0x2c /* , */) {
          if (key !== null) keys[keys.length - 1] = this.key();
          break;
        }
        // `}` or `]`: the container is complete and becomes the value of its parent.
        value = containers.pop();
        keys.pop();
      }
    }
  }

  /** A member's key and its colon. */
  private key(): string {
    this.skipWhitespace();
    const key = this.string();
    this.skipWhitespace();
    this.i++; // :
    return key;
  }

  private scalar(ch: number): unknown {
    if (ch === 0x22 /* " */) return this.string();
    if (ch === 0x74 /* t */) return this.literal(4, true);
    if (ch === 0x66 /* f */) return this.literal(5, false);
    if (ch === 0x6e /* n */) return this.literal(4, null);
    const start = this.i;
    let integer = true;
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b) integer = false;
      else if (!((c >= 0x30 && c <= 0x39) || c === 0x2d)) break;
      this.i++;
    }
    const token = this.text.slice(start, this.i);
    // `-` inside a number follows an exponent's `e`, so a token without . e E + is -?digits.
    return integer ? integerOfDigits(token) : Number(token);
  }

  private literal<T>(length: number, value: T): T {
    this.i += length;
    return value;
  }

  private string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const c = this.text.charCodeAt(this.i++);
      if (c === 0x5c /* \ */) this.i++;
      else if (c === 0x22) break;
    }
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }
}

/** Sets an own property as `JSON.parse` does, even one named `__proto__`. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else object[key] = value;
}

/** A value of a delivery object: a column's value in the delivery format. */
export type DeliveryValue = string | number | bigint | boolean | null;

/**
 * The JSON text of a delivery object, or of any value `parseJson` returns, with every `bigint`
 * written as its exact digits, a JSON number: `{"total":9223372036854775807}`. Everything else is
 * written as `JSON.stringify` writes it, byte for byte. Use it wherever a row may carry a BIGINT
 * beyond 2^53: `JSON.stringify` throws for a `bigint`.
 */
export function deliveryJson(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (!holdsBigint(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined ? "null" : deliveryJson(v))).join(",")}]`;
  }
  const object = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(object)) {
    if (object[key] !== undefined)
      members.push(`${JSON.stringify(key)}:${deliveryJson(object[key])}`);
  }
  return `{${members.join(",")}}`;
}

function holdsBigint(value: unknown): boolean {
  if (typeof value === "bigint") return true;
  if (typeof value !== "object" || value === null) return false;
  for (const v of Object.values(value)) if (holdsBigint(v)) return true;
  return false;
}
