/**
 * Input mapping: a JSON record to the values of the source stream's row, following the input
 * schema (`sql/inputSchema.ts`): each column's JSONPath, then the coercion rules of docs/semantics.md.
 * A record that is not a JSON object or that has a value that cannot be coerced is rejected with
 * an `InputRejection` and becomes an `error_stream` row.
 */
import { errorStreamColumns } from "../../sql/contracts";
import type { InputSchema, InputSqlType } from "../../sql/inputSchema";
import type { SqlValue } from "./types";
import { DataError } from "./errors";
import { fromBigint, inBigintRange, integerOfDouble, maxBigint, minBigint } from "./integers";
import { parseTimestamp } from "./sqlTypes";

/** ERROR_NAME values for records the input mapping rejects. */
export const InputErrorName = {
  NotJson: "Parse_Error",
  NotAnObject: "Not_A_JSON_Object",
  Coercion: "Type_Conversion_Error",
} as const;
export type InputErrorName = (typeof InputErrorName)[keyof typeof InputErrorName];

/** Why a record cannot enter the source stream. */
export class InputRejection extends DataError {
  override readonly name = "InputRejection";
  declare readonly errorName: InputErrorName;

  constructor(errorName: InputErrorName, message: string) {
    super(errorName, message);
  }
}

/**
 * The exact value of a plain integer text (`"1654000000000"`, `"-5"`, `"007"`): digits with an
 * optional leading `-`, nothing else; null otherwise. In the BIGINT representation: a number while
 * safe, a bigint beyond 2^53. A hand loop, because this runs for every lab record.
 */
export function integerFromText(text: string): number | bigint | null {
  const length = text.length;
  const negative = text.charCodeAt(0) === 45;
  let i = negative ? 1 : 0;
  if (i === length) return null;
  let n = 0;
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    n = n * 10 + digit;
  }
  // Past 15 digits the running product may round; read the digits exactly instead.
  if (length - (negative ? 1 : 0) > 15) return fromBigint(BigInt(text));
  return negative ? -n || 0 : n;
}

/** The range of each integer input column (for BIGINT, named in messages). */
const ranges = {
  BIGINT: [minBigint, maxBigint],
  INTEGER: [-2147483648, 2147483647],
} as const;

/**
 * The integer a JSON value maps to in an integer column: a number holding an integer (a bigint
 * when the record carries one beyond 2^53, see `parseJson`), or a plain integer text; null for
 * anything else or a value outside the column's range (the mapper rejects it).
 */
function integerValue(value: unknown, kind: "BIGINT" | "INTEGER"): number | bigint | null {
  let n: number | bigint | null;
  if (typeof value === "number") n = integerOfDouble(value);
  else if (typeof value === "string") n = integerFromText(value);
  else if (typeof value === "bigint") n = fromBigint(value);
  else return null;
  if (n === null) return null;
  if (kind === "BIGINT") return inBigintRange(n) ? n : null;
  return n >= ranges.INTEGER[0] && n <= ranges.INTEGER[1] ? n : null;
}

type Accessor = (record: Record<string, unknown>) => unknown;
type Coercer = (value: unknown) => SqlValue;

const integerText = /^-?\d+$/;

/** Parses `$.a.b`, `$["a"]` or `$['a']` into property names; throws for anything else. */
export function parseJsonPath(path: string): string[] {
  if (!path.startsWith("$"))
    throw new Error(`Unsupported JSONPath ${JSON.stringify(path)}; expected $.name`);
  const names: string[] = [];
  const step = /^(?:\.([A-Za-z_$][\w$-]*)|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*'([^']*)'\s*\])/;
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = step.exec(rest);
    if (!m) {
      throw new Error(
        `Unsupported JSONPath ${JSON.stringify(path)}; expected $.name, $.a.b or $["name"]`,
      );
    }
    names.push(m[1] ?? (m[2] !== undefined ? JSON.parse(`"${m[2]}"`) : m[3]));
    rest = rest.slice(m[0].length);
  }
  return names;
}

function accessor(path: string): Accessor {
  const names = parseJsonPath(path);
  if (names.length === 1) {
    const [name] = names;
    return (record) =>
      Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
  }
  return (record) => {
    let value: unknown = record;
    for (const name of names) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
      if (!Object.prototype.hasOwnProperty.call(value, name)) return undefined;
      value = (value as Record<string, unknown>)[name];
    }
    return value;
  };
}

/**
 * The BIGINT a JSON value maps to, exactly as a BIGINT input column reads it, or null when the
 * column would reject it. `bigintValue("1654000000000")` is `1654000000000`; `bigintValue("1e3")`
 * is null.
 */
export function bigintValue(value: unknown): number | bigint | null {
  return integerValue(value, "BIGINT");
}

function describeJson(value: unknown): string {
  let text: string;
  try {
    // A bigint nested in an object or array is shown as its digits in quotes; only messages use this.
    text =
      typeof value === "bigint"
        ? value.toString()
        : JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    // JSON.parse accepts nesting deeper than JSON.stringify can recurse (a 24 KB record can hold
    // 12,000 levels): such a value is named by its kind, so the record still becomes an error row.
    text = Array.isArray(value) ? "[...]" : "{...}";
  }
  return text.length > 60 ? text.slice(0, 60) + "..." : text;
}

/** An input value cut to its column's length: the column's index and the value's length before. */
export interface InputTruncation {
  readonly column: number;
  readonly originalLength: number;
}

/**
 * Told of every input value cut to its column's length: the column's index and the value's length
 * before the cut. Called only when a value is cut, so the common case costs nothing; the messages
 * of later overflows name the original length (docs/semantics.md, "Input mapping").
 */
export type TruncationListener = (column: number, originalLength: number) => void;

function coercer(
  type: InputSqlType,
  column: string,
  path: string,
  index: number,
  onTruncate: TruncationListener | undefined,
): Coercer {
  const reject = (value: unknown, allowed: string): never => {
    throw new InputRejection(
      InputErrorName.Coercion,
      `Cannot map ${path} value ${describeJson(value)} to ${type.kind} column "${column}"; expected ${allowed}`,
    );
  };
  switch (type.kind) {
    case "VARCHAR":
    case "CHAR": {
      const { length, kind } = type;
      return (value) => {
        let text: string;
        if (typeof value === "string") text = value;
        else if (
          typeof value === "number" ||
          typeof value === "bigint" ||
          typeof value === "boolean"
        )
          text = String(value);
        else return reject(value, "a string, number or boolean");
        // Longer strings are truncated silently, as KDA documents for input columns.
        if (text.length > length) {
          onTruncate?.(index, text.length);
          text = text.slice(0, length);
        }
        return kind === "CHAR" && text.length < length ? text.padEnd(length, " ") : text;
      };
    }
    case "BIGINT":
    case "INTEGER": {
      const [low, high] = ranges[type.kind];
      const allowed = `an integer from ${low} to ${high}, as a number or a string of digits with an optional leading -`;
      const kind = type.kind;
      return (value) => integerValue(value, kind) ?? reject(value, allowed);
    }
    case "TIMESTAMP":
      return (value) => {
        if (typeof value === "number" && Number.isSafeInteger(value)) return value;
        if (typeof value === "string") {
          if (integerText.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
          const ms = parseTimestamp(value);
          if (ms !== null) return ms;
        }
        return reject(value, "epoch milliseconds or 'yyyy-MM-dd HH:mm:ss[.SSS]'");
      };
  }
}

/**
 * One converter per column, in column order: a JSON value (or `undefined` when the record has no
 * such field) to the column's value, with the same coercions and rejections as the mapper of
 * `compileInputMapping`. For callers that find the fields themselves (`compileRecordScanner`).
 */
export function compileValueConverters(
  schema: InputSchema,
  onTruncate?: TruncationListener,
): ((value: unknown) => SqlValue)[] {
  return schema.columns.map((c, i) => {
    const coerce = coercer(c.type, c.name, c.mapping, i, onTruncate);
    return (value) => (value === undefined || value === null ? null : coerce(value));
  });
}

/**
 * Compiles the schema into a mapper: record object -> source row values, in column order.
 * `map({user_id: 'user1', event_timestamp: '1654000000000'})` gives `['user1', 1654000000000, null, null, null]`.
 * `onTruncate` hears of every value cut to its column's length.
 */
export function compileInputMapping(
  schema: InputSchema,
  onTruncate?: TruncationListener,
): (record: unknown) => SqlValue[] {
  if (schema.recordRowPath !== "$") {
    throw new Error(
      `Unsupported recordRowPath ${JSON.stringify(schema.recordRowPath)}; expected "$"`,
    );
  }
  const getters = schema.columns.map((c) => accessor(c.mapping));
  const coercers = schema.columns.map((c, i) => coercer(c.type, c.name, c.mapping, i, onTruncate));
  // Generated once per schema: one monomorphic function with a direct property read per column
  // (where the name cannot hit Object.prototype) and an inline fast path for the common case.
  const parts = schema.columns.map((c, i) => {
    const names = parseJsonPath(c.mapping);
    const read =
      names.length === 1 && !(names[0] in Object.prototype)
        ? `r[${JSON.stringify(names[0])}]`
        : `g[${i}](r)`;
    let fast = "";
    if (c.type.kind === "VARCHAR")
      fast = `typeof v === "string" && v.length <= ${c.type.length} ? v : `;
    else if (c.type.kind === "BIGINT") fast = `Number.isSafeInteger(v) ? v : `;
    else if (c.type.kind === "INTEGER") {
      const [low, high] = ranges.INTEGER;
      fast = `typeof v === "number" && Number.isInteger(v) && v >= ${low} && v <= ${high} ? v : `;
    }
    return `(v = ${read}) === undefined || v === null ? null : ${fast}k[${i}](v)`;
  });
  const map = new Function(
    "g",
    "k",
    `"use strict"; return function mapRecord(r) { var v; return [${parts.join(", ")}]; };`,
  )(getters, coercers) as (record: Record<string, unknown>) => SqlValue[];
  return (record) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw new InputRejection(
        InputErrorName.NotAnObject,
        `Record is ${Array.isArray(record) ? "an array" : record === null ? "null" : typeof record}, not a JSON object`,
      );
    }
    return map(record as Record<string, unknown>);
  };
}

const dataRowColumn = errorStreamColumns.find((column) => column.name === "DATA_ROW")!;

/** DATA_ROW of an error row: the raw record as hex, cut to the column's 49152 characters. */
export function hexDataRow(data: Uint8Array | string): string {
  const bytes =
    typeof data === "string"
      ? Buffer.from(data, "utf8")
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return bytes.subarray(0, dataRowColumn.type.length / 2).toString("hex");
}
