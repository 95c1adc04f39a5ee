/**
 * The pure decision of what one typed row is: a sessions item to store, an `error_stream` row to
 * dead-letter, or a row that can never be stored, with the reason. The stream the row came from
 * decides which rules apply; no I/O here, so every rule is testable by value.
 */
import {
  errorStreamName,
  type ErrorStreamColumn,
  type SessionAttribute,
  type SessionItem,
} from "../../sql/contracts";
import { errorStreamColumnNames, RejectReason, type ErrorStreamColumns } from "./deadLetter";
import { jsonText } from "./jsonText";
import type { DeliveryObject, RowValue, TypedRow } from "./typedRow";

/** DynamoDB's item size limit (400 KB, attribute names included). */
export const MAX_ITEM_BYTES = 400 * 1024;

export type Decision =
  | { readonly kind: "session"; readonly item: SessionItem }
  | { readonly kind: "error_stream"; readonly columns: ErrorStreamColumns }
  | { readonly kind: "rejected_record"; readonly reason: RejectReason; readonly message: string };

/**
 * Decides what one row is: every `error_stream` row is kept as its columns; a row of the session
 * stream becomes a sessions item of its columns (NULL ones left out) when its `session_id` is a
 * non-empty string, every other column is text, a number, a boolean or NULL, and it fits DynamoDB.
 * Every application's destination rows are stored by this one rule (`sql/applications.ts`).
 *
 * @example
 * decideRow({ stream: "DESTINATION_SQL_STREAM", row: { user_id: "user1  ", session_id: "user1_mobile_10:00:00", session_time: "10:00:00", latest_time: "10:00:09" } })
 * // -> { kind: "session", item: { user_id: "user1  ", session_id: "user1_mobile_10:00:00", session_time: "10:00:00", latest_time: "10:00:09" } }
 * decideRow({ stream: "DESTINATION_SQL_STREAM", row: { session_id: 42 } })
 * // -> { kind: "rejected_record", reason: "InvalidField", message: "field session_id is 42 (number); expected a string" }
 */
export function decideRow({ stream, row }: TypedRow): Decision {
  if (stream === errorStreamName) return { kind: "error_stream", columns: errorColumns(row) };
  return sessionOrReject(row);
}

function sessionOrReject(row: DeliveryObject): Decision {
  const sessionId = row.session_id;
  if (typeof sessionId !== "string") {
    const shown = Object.hasOwn(row, "session_id") ? `is ${describe(sessionId)}` : "is missing";
    return reject(RejectReason.InvalidField, `field session_id ${shown}; expected a string`);
  }
  if (sessionId === "") {
    return reject(
      RejectReason.InvalidField,
      `field session_id is ""; expected a non-empty string (it is the table's hash key)`,
    );
  }
  const item: Record<string, SessionAttribute> = {};
  for (const [column, value] of Object.entries(row)) {
    if (isNull(value)) continue;
    if (typeof value === "object") {
      return reject(
        RejectReason.InvalidField,
        `field ${column} is ${describe(value)}; expected text, a number, a boolean or null`,
      );
    }
    item[column] = value;
  }
  const size = sessionItemBytes(item as SessionItem);
  if (size > MAX_ITEM_BYTES) {
    return reject(
      RejectReason.ItemTooLarge,
      `item is ${size} bytes; DynamoDB allows at most ${MAX_ITEM_BYTES} bytes per item`,
    );
  }
  return { kind: "session", item: item as SessionItem };
}

/**
 * DynamoDB's size of a sessions item, from above: UTF-8 bytes of every name and string value, 21
 * bytes for a number (its largest encoding), 1 for a boolean.
 */
export function sessionItemBytes(item: SessionItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    size +=
      typeof value === "string"
        ? Buffer.byteLength(value)
        : typeof value === "number" || typeof value === "bigint"
          ? 21
          : 1;
  }
  return size;
}

/** The seven columns; a missing one is null, a value other than text or null its JSON text. */
function errorColumns(row: DeliveryObject): ErrorStreamColumns {
  const columns = {} as Record<ErrorStreamColumn, string | null>;
  for (const column of errorStreamColumnNames) {
    const value = row[column];
    columns[column] = isNull(value) ? null : typeof value === "string" ? value : jsonText(value);
  }
  return columns;
}

/**
 * Whether a value is delivered as NULL: null, a missing column, or a number JSON cannot carry
 * (NaN, ±Infinity), which KDA's JSON delivers as null. Rows handed over in process follow the
 * same rule, so they are decided exactly as their KDA delivery would be.
 */
function isNull(value: RowValue | undefined): boolean {
  return value === undefined || value === null || (typeof value === "number" && !isFinite(value));
}

function describe(value: RowValue): string {
  if (isNull(value)) return "null";
  const text = jsonText(value);
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return `${shown} (${Array.isArray(value) ? "array" : typeof value})`;
}

function reject(reason: RejectReason, message: string): Decision {
  return { kind: "rejected_record", reason, message };
}
