/**
 * Rows as the Lambda destination receives them (SEMANTICS.md "Output to Lambda"): one JSON object
 * per row, keys in column order, TIMESTAMP as `yyyy-MM-dd HH:mm:ss.SSS` UTC text, NULL as null.
 */
import { formatTimestamp } from "./sqlTypes";
import type { Row, StreamInfo } from "./types";

export type DeliveryValue = string | number | boolean | null;

/**
 * The delivery object of one row. CHAR values keep their blank padding unless `trimChar` is set.
 * `{ user_id: "user1  ", session_time: "10:00:00" }` for a DESTINATION_SQL_STREAM row.
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
