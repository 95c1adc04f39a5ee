/**
 * The pure decision of what one delivered record is: a session item to store, an `error_stream`
 * row, or a rejected record with the reason. No I/O here, so every rule is testable by value.
 */

import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
  errorStreamColumns as errorStreamSchema,
  sessionItemFields,
  type ErrorStreamColumn,
  type SessionItem,
} from "../../sql/contracts";
import { jsonText } from "./jsonText";

/** DynamoDB's item size limit (400 KB, attribute names included). */
export const MAX_ITEM_BYTES = 400 * 1024;

/** Why a record is dead-lettered. Each is permanent: redelivering the same bytes cannot help. */
export const RejectReason = {
  /** `data` is not canonical base64 (Node's decoder would silently skip bad characters). */
  NotBase64: "NotBase64",
  /** The decoded bytes are not valid UTF-8. */
  NotUtf8: "NotUtf8",
  /** The text does not parse as JSON. */
  NotJson: "NotJson",
  /** The JSON is an array, string, number, boolean or null instead of a row object. */
  NotAnObject: "NotAnObject",
  /** `session_id`, `session_time` or `user_id` is missing, not a string, or an empty key. */
  InvalidField: "InvalidField",
  /** The item would exceed DynamoDB's 400 KB limit. */
  ItemTooLarge: "ItemTooLarge",
  /** DynamoDB answered ValidationException for this item alone. */
  RejectedByDynamoDB: "RejectedByDynamoDB",
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export type { SessionItem };

/** The sessions table item as DynamoDB attribute values. */
export function sessionAttributes(item: SessionItem): Record<string, AttributeValue> {
  return {
    session_id: { S: item.session_id },
    session_time: { S: item.session_time },
    user_id: { S: item.user_id },
  };
}

/** The column names of KDA's `error_stream`, in order. */
export const ERROR_STREAM_COLUMNS = errorStreamSchema.map((column) => column.name);

/** An `error_stream` row's columns; values other than strings and null are kept as JSON text. */
export type ErrorStreamColumns = Readonly<Record<ErrorStreamColumn, string | null>>;

/** Columns whose presence marks a row as coming from `error_stream` rather than a session stream. */
const ERROR_STREAM_MARKERS: readonly ErrorStreamColumn[] = [
  "ERROR_TIME",
  "ERROR_LEVEL",
  "ERROR_NAME",
  "MESSAGE",
];

const SESSION_FIELDS = sessionItemFields;

export type Classification =
  | { readonly kind: "session"; readonly item: SessionItem }
  | { readonly kind: "error_stream"; readonly columns: ErrorStreamColumns }
  | { readonly kind: "rejected_record"; readonly reason: RejectReason; readonly message: string };

/**
 * Decodes base64 strictly: only canonical, padded base64 whose re-encoding gives back the input.
 *
 * @example decodeStrictBase64("eyJ9") // -> <Buffer 7b 22 7d>;  decodeStrictBase64("ey J9") // -> undefined
 */
export function decodeStrictBase64(data: string): Buffer | undefined {
  const bytes = Buffer.from(data, "base64");
  return bytes.toString("base64") === data ? bytes : undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decides what one record's `data` is.
 *
 * @example
 * classifyRecord(b64('{"session_id":"user1  _mobile_10:00:00","session_time":"10:00:00","user_id":"user1  "}'))
 * // -> { kind: "session", item: { session_id: "user1  _mobile_10:00:00", session_time: "10:00:00", user_id: "user1  " } }
 * classifyRecord("not base64!") // -> { kind: "rejected_record", reason: "NotBase64", message: "..." }
 */
export function classifyRecord(data: string): Classification {
  const bytes = decodeStrictBase64(data);
  if (bytes === undefined) {
    return reject(
      RejectReason.NotBase64,
      `data is not canonical base64 (${data.length} characters); expected padded standard base64`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject(RejectReason.NotUtf8, `data decodes to ${bytes.length} bytes that are not UTF-8`);
  }
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (error) {
    return reject(RejectReason.NotJson, `data is not JSON: ${(error as Error).message}`);
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    const got = row === null ? "null" : Array.isArray(row) ? "an array" : `a ${typeof row}`;
    return reject(RejectReason.NotAnObject, `data is ${got}; expected a JSON object (one row)`);
  }
  const fields = row as Record<string, unknown>;
  if (ERROR_STREAM_MARKERS.every((column) => Object.hasOwn(fields, column))) {
    return { kind: "error_stream", columns: errorStreamColumns(fields) };
  }
  return sessionOrReject(fields);
}

function sessionOrReject(fields: Record<string, unknown>): Classification {
  for (const field of SESSION_FIELDS) {
    const value = fields[field];
    if (typeof value !== "string") {
      const shown = Object.hasOwn(fields, field) ? `is ${describe(value)}` : "is missing";
      return reject(RejectReason.InvalidField, `field ${field} ${shown}; expected a string`);
    }
  }
  const item: SessionItem = {
    session_id: fields.session_id as string,
    session_time: fields.session_time as string,
    user_id: fields.user_id as string,
  };
  if (item.session_id === "") {
    return reject(
      RejectReason.InvalidField,
      `field session_id is ""; expected a non-empty string (it is the table's hash key)`,
    );
  }
  const size = sessionItemBytes(item);
  if (size > MAX_ITEM_BYTES) {
    return reject(
      RejectReason.ItemTooLarge,
      `item is ${size} bytes; DynamoDB allows at most ${MAX_ITEM_BYTES} bytes per item`,
    );
  }
  return { kind: "session", item };
}

/** DynamoDB's size of an item of string attributes: UTF-8 bytes of every name and value. */
export function sessionItemBytes(item: SessionItem): number {
  let size = 0;
  for (const field of SESSION_FIELDS) {
    size += Buffer.byteLength(field) + Buffer.byteLength(item[field]);
  }
  return size;
}

function errorStreamColumns(fields: Record<string, unknown>): ErrorStreamColumns {
  const columns = {} as Record<ErrorStreamColumn, string | null>;
  for (const column of ERROR_STREAM_COLUMNS) {
    const value = fields[column];
    columns[column] =
      value === undefined || value === null
        ? null
        : typeof value === "string"
          ? value
          : jsonText(value);
  }
  return columns;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  const text = jsonText(value);
  const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return `${shown} (${Array.isArray(value) ? "array" : typeof value})`;
}

function reject(reason: RejectReason, message: string): Classification {
  return { kind: "rejected_record", reason, message };
}
