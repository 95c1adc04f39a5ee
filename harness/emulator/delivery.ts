/**
 * Rows as the Lambda destination receives them (docs/semantics.md, "Output to Lambda"): one JSON
 * object per row, keys in column order, TIMESTAMP as `yyyy-MM-dd HH:mm:ss.SSS` UTC text, NULL as
 * null. Both the object and its JSON text are compiled once per stream and built straight from a
 * row's values.
 */
import type { DeliveryValue } from "./json";
import { formatTimestamp } from "./sqlTypes";
import type { Row, SqlValue, StreamInfo } from "./types";

export interface DeliveryOptions {
  /** Trim the blank padding of CHAR values (default: keep it, as KDA delivers). */
  readonly trimChar?: boolean;
}

/** The text without its trailing blanks (CHAR padding). */
function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Characters a JSON string must escape (and lone surrogates, which `JSON.stringify` escapes). */
// eslint-disable-next-line no-control-regex
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON text: `JSON.stringify`'s, without its call for the common plain text. */
function jsonString(text: string): string {
  return needsEscape.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** A column's delivery value as JavaScript of `x` (the column's non-NULL value). */
function objectValueCode(kind: string, trimChar: boolean): string {
  if (kind === "TIMESTAMP") return "F(x)";
  if (kind === "CHAR" && trimChar) return "T(x)";
  return "x";
}

/** A column's delivery value as JSON text, as JavaScript of `x` (the column's non-NULL value). */
function jsonValueCode(kind: string, trimChar: boolean): string {
  switch (kind) {
    case "TIMESTAMP":
      return `'"' + F(x) + '"'`;
    case "CHAR":
      return trimChar ? "J(T(x))" : "J(x)";
    case "VARCHAR":
      return "J(x)";
    case "BOOLEAN":
      return `(x ? "true" : "false")`;
    case "BIGINT":
      // A bigint's digits are an exact JSON number.
      return `(typeof x === "bigint" ? x.toString() : "" + x)`;
    default:
      return "JSON.stringify(x)";
  }
}

const helpers = { F: formatTimestamp, T: trimEnd, J: jsonString };

function compile<T>(name: string, body: string): T {
  return new Function(
    "F",
    "T",
    "J",
    `"use strict";\nreturn function ${name}(v) {\nvar x;\n${body}\n};`,
  )(helpers.F, helpers.T, helpers.J) as T;
}

/**
 * Compiles the delivery object of a stream's rows. CHAR values keep their blank padding unless
 * `trimChar` is set. A BIGINT beyond 2^53 is a `bigint`: write the object with `deliveryJson`.
 */
export function compileDeliveryObject(
  stream: StreamInfo,
  options?: DeliveryOptions,
): (values: readonly SqlValue[]) => Record<string, DeliveryValue> {
  const trimChar = options?.trimChar === true;
  const members = stream.columns.map((column, i) => {
    // A computed key: `"__proto__": x` in an object literal would set the prototype instead.
    const key = `[${JSON.stringify(column.name)}]`;
    return `${key}: (x = v[${i}]) == null ? null : ${objectValueCode(column.type.kind, trimChar)}`;
  });
  return compile("deliveryObject", `return {\n${members.join(",\n")}\n};`);
}

/**
 * Compiles the JSON text of a stream's rows, written straight from the row's values: the text
 * `deliveryJson(rowToDeliveryObject(stream, row, options))` gives, without the object in between.
 */
export function compileRowJson(
  stream: StreamInfo,
  options?: DeliveryOptions,
): (values: readonly SqlValue[]) => string {
  const trimChar = options?.trimChar === true;
  if (stream.columns.length === 0) return () => "{}";
  const parts = stream.columns.map((column, i) => {
    const prefix = JSON.stringify(`${i === 0 ? "{" : ","}${JSON.stringify(column.name)}:`);
    return `${prefix} + ((x = v[${i}]) == null ? "null" : ${jsonValueCode(column.type.kind, trimChar)})`;
  });
  return compile("rowJson", `return ${parts.join(" +\n")} + "}";`);
}

const compiled = new WeakMap<StreamInfo, ((values: readonly SqlValue[]) => object)[]>();

/**
 * The delivery object of one row. CHAR values keep their blank padding unless `trimChar` is set.
 * `{ user_id: "user1  ", session_time: "10:00:00" }` for a DESTINATION_SQL_STREAM row. A BIGINT
 * beyond 2^53 is a `bigint`: write the object with `deliveryJson`, not `JSON.stringify`.
 */
export function rowToDeliveryObject(
  stream: StreamInfo,
  row: Row,
  options?: DeliveryOptions,
): Record<string, DeliveryValue> {
  let builders = compiled.get(stream);
  if (builders === undefined) {
    builders = [];
    compiled.set(stream, builders);
  }
  const index = options?.trimChar === true ? 1 : 0;
  builders[index] ??= compileDeliveryObject(stream, options);
  return builders[index](row.values) as Record<string, DeliveryValue>;
}
