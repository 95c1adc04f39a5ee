/**
 * The dead-letter item: where a record that can never be stored (and every `error_stream` row)
 * goes, with everything needed to understand and replay it. Pure functions only.
 */
import { createHash } from "node:crypto";
import { errorStreamColumns, type ErrorStreamColumn } from "../../sql/contracts";

/** What a dead letter holds: a record the function refused, or a row of the SQL `error_stream`. */
export const DeadLetterKind = {
  RejectedRecord: "rejected_record",
  ErrorStream: "error_stream",
} as const;
export type DeadLetterKind = (typeof DeadLetterKind)[keyof typeof DeadLetterKind];

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

/** The column names of `error_stream`, in order. */
export const errorStreamColumnNames: readonly ErrorStreamColumn[] = errorStreamColumns.map(
  (column) => column.name,
);

/** An `error_stream` row's columns as a dead letter keeps them: text, or null. */
export type ErrorStreamColumns = Readonly<Record<ErrorStreamColumn, string | null>>;

/** Bounds that keep a dead letter under DynamoDB's 400 KB item limit whatever it carries. */
export const DEAD_LETTER_LIMITS = { dataBytes: 200_000, columnBytes: 24_000, messageBytes: 2_000 };

export interface DeadLetter {
  readonly kind: DeadLetterKind;
  /** A `RejectReason` for rejected records; KDA's `ERROR_NAME` for `error_stream` rows. */
  readonly reason: string;
  readonly message: string;
  /** The record's `data` as KDA delivers it (base64, or whatever arrived instead). */
  readonly data: string;
  readonly recordId: string;
  readonly invocationId: string;
  readonly applicationArn: string;
  readonly retryHint: number;
  readonly receivedAt: Date;
  readonly errorStream?: ErrorStreamColumns;
}

/**
 * The dead-letter table's item; `id` is the table's hash key (`deadLetterTableShape`). Strings,
 * numbers, a boolean and a map of strings and nulls, marshalled by the document client.
 */
export interface DeadLetterItem {
  readonly id: string;
  readonly kind: DeadLetterKind;
  readonly reason: string;
  readonly message: string;
  readonly data: string;
  /** Length of the whole `data`, which is cut past `DEAD_LETTER_LIMITS.dataBytes`. */
  readonly dataLength: number;
  readonly recordId: string;
  readonly invocationId: string;
  readonly applicationArn: string;
  readonly retryHint: number;
  /** ISO 8601 time of the delivery. */
  readonly receivedAt: string;
  readonly errorStream?: ErrorStreamColumns;
  /** Whether `data`, `message` or an `error_stream` column was cut to fit the item. */
  readonly truncated: boolean;
}

/**
 * The dead letter's key: SHA-256 (hex) of the application ARN and the raw `data`. A function of
 * the record's content, not of `recordId`, so a redelivery (with `retryHint` > 0, or after an
 * application restart, which renumbers records) overwrites the same item instead of adding one.
 * Two records with byte-identical data from one application are therefore one dead letter.
 *
 * @example deadLetterId("arn:aws:kinesisanalytics:...:application/lab", "bm90IGpzb24=") // -> "3f1c...e9" (64 hex)
 */
export function deadLetterId(applicationArn: string, data: string): string {
  return createHash("sha256").update(applicationArn).update("\n").update(data).digest("hex");
}

/** The dead-letter table item for one dead letter, each text cut to its limit. */
export function deadLetterItem(letter: DeadLetter): DeadLetterItem {
  const data = truncateUtf8(letter.data, DEAD_LETTER_LIMITS.dataBytes);
  const message = truncateUtf8(letter.message, DEAD_LETTER_LIMITS.messageBytes);
  let truncated = data !== letter.data || message !== letter.message;
  let errorStream: ErrorStreamColumns | undefined;
  if (letter.errorStream !== undefined) {
    const columns = {} as Record<ErrorStreamColumn, string | null>;
    for (const column of errorStreamColumnNames) {
      const value = letter.errorStream[column];
      const kept = value === null ? null : truncateUtf8(value, DEAD_LETTER_LIMITS.columnBytes);
      truncated ||= kept !== value;
      columns[column] = kept;
    }
    errorStream = columns;
  }
  return {
    id: deadLetterId(letter.applicationArn, letter.data),
    kind: letter.kind,
    reason: truncateUtf8(letter.reason, DEAD_LETTER_LIMITS.messageBytes),
    message,
    data,
    dataLength: letter.data.length,
    recordId: truncateUtf8(letter.recordId, DEAD_LETTER_LIMITS.messageBytes),
    invocationId: truncateUtf8(letter.invocationId, DEAD_LETTER_LIMITS.messageBytes),
    applicationArn: truncateUtf8(letter.applicationArn, DEAD_LETTER_LIMITS.messageBytes),
    retryHint: letter.retryHint,
    receivedAt: letter.receivedAt.toISOString(),
    ...(errorStream === undefined ? {} : { errorStream }),
    truncated,
  };
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) > maxBytes) {
    end = Math.floor(end * 0.9);
  }
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}
