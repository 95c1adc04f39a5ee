/**
 * What the delivery core takes: typed rows. A row is the delivery object of one in-application
 * stream's row (keys in column order, values as KDA delivers them: `docs/semantics.md`, "Output to
 * Lambda"), together with the stream it came from. An engine that runs the SQL in process hands its
 * rows over in this form directly; KDA's Lambda output is decoded into it at the protocol edge
 * (`recordData.ts`). See `docs/architecture.md` for the path a row takes.
 */
import type { DeliveryValue } from "../../harness/emulator";
import type { DeliveredStream } from "../../sql/contracts";
import type { RejectReason } from "./deadLetter";

/**
 * A value of a delivered row. An engine delivers only `DeliveryValue`s (text, numbers, booleans
 * and NULL); a row decoded from KDA's JSON may hold any JSON value, which the delivery refuses or
 * keeps as text (see `decideRow`).
 */
export type RowValue = DeliveryValue | readonly RowValue[] | { readonly [key: string]: RowValue };

/** A row's delivery object: `{ user_id: "user1  ", session_id: "user1  _mobile_10:00", ... }`. */
export type DeliveryObject = { readonly [column: string]: RowValue };

/** One row and the in-application stream it came from. */
export interface TypedRow {
  readonly stream: DeliveredStream;
  readonly row: DeliveryObject;
}

/** A typed row to deliver, with the id it is answered under. */
export interface DeliveryRow extends TypedRow {
  /** KDA's `recordId`, or the sessionizer's `shardId:sequence:n`; answered once if repeated. */
  readonly id: string;
  /** How often KDA has delivered the record before (0 for rows handed over in process). */
  readonly retryHint?: number;
  /**
   * The record's `data` exactly as KDA delivered it, kept so that its dead letter (if it becomes
   * one) holds and is keyed by the very bytes KDA sends again on redelivery. Absent for rows handed
   * over in process: their dead letter holds the row as KDA would have sent it
   * (`encodeRecordData`).
   */
  readonly data?: string;
}

/** A KDA record whose `data` is no row at all (not base64, UTF-8, JSON or an object). */
export interface UndecodableRecord {
  readonly id: string;
  readonly retryHint?: number;
  /** The record's `data` exactly as delivered, or the JSON text of a `data` that was no string. */
  readonly data: string;
  readonly rejected: { readonly reason: RejectReason; readonly message: string };
}

/** One input of the delivery core: a typed row, or a record the KDA edge could not decode. */
export type DeliveryInput = DeliveryRow | UndecodableRecord;
