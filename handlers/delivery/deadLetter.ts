/**
 * The dead-letter item: where a record that can never be stored (and every `error_stream` row)
 * goes, with everything needed to understand and replay it. Pure functions only.
 */
import { createHash } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ERROR_STREAM_COLUMNS, type ErrorStreamColumns } from "./classifyRecord";

/** What a dead letter holds: a record the function refused, or a row of the SQL `error_stream`. */
export const DeadLetterKind = {
  RejectedRecord: "rejected_record",
  ErrorStream: "error_stream",
} as const;
export type DeadLetterKind = (typeof DeadLetterKind)[keyof typeof DeadLetterKind];

/** Bounds that keep a dead letter under DynamoDB's 400 KB item limit whatever it carries. */
export const DEAD_LETTER_LIMITS = { dataBytes: 200_000, columnBytes: 24_000, messageBytes: 2_000 };

export interface DeadLetter {
  readonly kind: DeadLetterKind;
  /** A `RejectReason` for rejected records; KDA's `ERROR_NAME` for `error_stream` rows. */
  readonly reason: string;
  readonly message: string;
  /** The record's `data` exactly as delivered (base64, or whatever arrived instead). */
  readonly data: string;
  readonly recordId: string;
  readonly invocationId: string;
  readonly applicationArn: string;
  readonly retryHint: number;
  readonly receivedAt: Date;
  readonly errorStream?: ErrorStreamColumns;
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

/** The dead-letter table item for one dead letter (low-level attribute values). */
export function deadLetterItem(letter: DeadLetter): Record<string, AttributeValue> {
  const data = truncateUtf8(letter.data, DEAD_LETTER_LIMITS.dataBytes);
  const message = truncateUtf8(letter.message, DEAD_LETTER_LIMITS.messageBytes);
  let truncated = data !== letter.data || message !== letter.message;
  const item: Record<string, AttributeValue> = {
    id: { S: deadLetterId(letter.applicationArn, letter.data) },
    kind: { S: letter.kind },
    reason: { S: truncateUtf8(letter.reason, DEAD_LETTER_LIMITS.messageBytes) },
    message: { S: message },
    data: { S: data },
    dataLength: { N: String(letter.data.length) },
    recordId: { S: truncateUtf8(letter.recordId, DEAD_LETTER_LIMITS.messageBytes) },
    invocationId: { S: truncateUtf8(letter.invocationId, DEAD_LETTER_LIMITS.messageBytes) },
    applicationArn: { S: truncateUtf8(letter.applicationArn, DEAD_LETTER_LIMITS.messageBytes) },
    retryHint: { N: String(letter.retryHint) },
    receivedAt: { S: letter.receivedAt.toISOString() },
  };
  if (letter.errorStream !== undefined) {
    const columns: Record<string, AttributeValue> = {};
    for (const column of ERROR_STREAM_COLUMNS) {
      const value = letter.errorStream[column];
      if (value === null) {
        columns[column] = { NULL: true };
      } else {
        const kept = truncateUtf8(value, DEAD_LETTER_LIMITS.columnBytes);
        truncated ||= kept !== value;
        columns[column] = { S: kept };
      }
    }
    item.errorStream = { M: columns };
  }
  item.truncated = { BOOL: truncated };
  return item;
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
