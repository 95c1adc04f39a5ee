/**
 * Rows as the Lambda destination receives them (SEMANTICS.md "Output to Lambda"): one JSON object
 * per row, keys in column order, TIMESTAMP as `yyyy-MM-dd HH:mm:ss.SSS` UTC text, NULL as null.
 */
import type { DeliveryValue } from "./json";
import { formatTimestamp } from "./sqlTypes";
import type { Row, SqlValue, StreamInfo } from "./types";

/**
 * The delivery object of one row. CHAR values keep their blank padding unless `trimChar` is set.
 * `{ user_id: "user1  ", session_time: "10:00:00" }` for a DESTINATION_SQL_STREAM row. A BIGINT
 * beyond 2^53 is a `bigint`: write the object with `deliveryJson`, not `JSON.stringify`.
 */
export function rowToDeliveryObject(
  stream: StreamInfo,
  row: Row,
  options?: { trimChar?: boolean },
): Record<string, DeliveryValue> {
  const trimChar = options?.trimChar === true;
  const result: Record<string, DeliveryValue> = {};
  const columns = stream.columns;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i];
    const value = row.values[i] ?? null;
    if (value === null) result[column.name] = null;
    else if (column.type.kind === "TIMESTAMP")
      result[column.name] = formatTimestamp(value as number);
    else if (trimChar && column.type.kind === "CHAR")
      result[column.name] = (value as string).replace(/ +$/, "");
    else result[column.name] = value;
  }
  return result;
}

/**
 * Compiles the JSON text of a stream's rows, written straight from the row's values: the text
 * `deliveryJson(rowToDeliveryObject(stream, row, options))` gives, without the object in between.
 */
export function compileRowJson(
  stream: StreamInfo,
  options?: { trimChar?: boolean },
): (values: readonly SqlValue[]) => string {
  const trimChar = options?.trimChar === true;
  const columns = stream.columns;
  if (columns.length === 0) return () => "{}";
  const prefixes = columns.map((c, i) => `${i === 0 ? "{" : ","}${JSON.stringify(c.name)}:`);
  const writers = columns.map((column): ((value: SqlValue) => string) => {
    if (column.type.kind === "TIMESTAMP") return (v) => `"${formatTimestamp(v as number)}"`;
    if (trimChar && column.type.kind === "CHAR")
      return (v) => JSON.stringify((v as string).replace(/ +$/, ""));
    return (v) => (typeof v === "bigint" ? v.toString() : JSON.stringify(v));
  });
  return (values) => {
    let text = "";
    for (let i = 0; i < prefixes.length; i++) {
      const value = values[i] ?? null;
      text += prefixes[i] + (value === null ? "null" : writers[i](value));
    }
    return text + "}";
  };
}
