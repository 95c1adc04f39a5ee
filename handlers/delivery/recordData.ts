/**
 * The `data` of a KDA Lambda output record, both ways: base64 of one row as JSON
 * (`docs/semantics.md`, "Output to Lambda"). This is the protocol edge: bytes, base64 and JSON
 * appear here and nowhere else on the output side.
 *
 * KDA's event does not say which in-application stream a record came from (the lab sends
 * DESTINATION_SQL_STREAM and error_stream to the same function), so the decoder tells them apart
 * by the columns, and only here: every other way in hands the delivery its rows with their stream.
 */
// The JSON codec alone (a public entry of its own): the KDA delivery function bundles no SQL engine.
import { deliveryJson, parseJson } from "../../harness/emulator/json";
import {
  destinationStreamName,
  errorStreamName,
  type ErrorStreamColumn,
} from "../../sql/contracts";
import { RejectReason } from "./deadLetter";
import type { DeliveryObject, TypedRow, UndecodableRecord } from "./typedRow";

/** Columns whose presence marks a row as one of `error_stream` rather than of a session stream. */
const errorStreamMarkers: readonly ErrorStreamColumn[] = [
  "ERROR_TIME",
  "ERROR_LEVEL",
  "ERROR_NAME",
  "MESSAGE",
];

/** Why a record's `data` is no row: the dead letter's reason and message. */
export type Undecodable = UndecodableRecord["rejected"];

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The `data` KDA sends for a row. The dead-letter table keeps every row in this form, whichever
 * engine delivered it, so dead letters look, key and replay the same way.
 *
 * @example encodeRecordData({ n: 1 }) // -> "eyJuIjoxfQ=="
 */
export function encodeRecordData(row: DeliveryObject): string {
  return Buffer.from(deliveryJson(row), "utf8").toString("base64");
}

/**
 * Decodes base64 strictly: only canonical, padded base64 whose re-encoding gives back the input.
 *
 * @example decodeStrictBase64("eyJ9") // -> <Buffer 7b 22 7d>;  decodeStrictBase64("ey J9") // -> undefined
 */
export function decodeStrictBase64(data: string): Buffer | undefined {
  const bytes = Buffer.from(data, "base64");
  return bytes.toString("base64") === data ? bytes : undefined;
}

/**
 * Decodes one record's `data` into a typed row, or says why it is none.
 *
 * @example
 * decodeRecordData(b64('{"session_id":"user1  _mobile_10:00:00","session_time":"10:00:00","user_id":"user1  "}'))
 * // -> { stream: "DESTINATION_SQL_STREAM", row: { session_id: "user1  _mobile_10:00:00", ... } }
 * decodeRecordData("not base64!") // -> { reason: "NotBase64", message: "data is not canonical base64 (11 characters); ..." }
 */
export function decodeRecordData(data: string): TypedRow | Undecodable {
  const bytes = decodeStrictBase64(data);
  if (bytes === undefined) {
    return {
      reason: RejectReason.NotBase64,
      message: `data is not canonical base64 (${data.length} characters); expected padded standard base64`,
    };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return {
      reason: RejectReason.NotUtf8,
      message: `data decodes to ${bytes.length} bytes that are not UTF-8`,
    };
  }
  let row: unknown;
  try {
    row = parseJson(text);
  } catch (error) {
    return {
      reason: RejectReason.NotJson,
      message: `data is not JSON: ${(error as Error).message}`,
    };
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) {
    const got = row === null ? "null" : Array.isArray(row) ? "an array" : `a ${typeof row}`;
    return {
      reason: RejectReason.NotAnObject,
      message: `data is ${got}; expected a JSON object (one row)`,
    };
  }
  // JSON.parse gives JSON values only, which is what a row may hold.
  const fields = row as DeliveryObject;
  const fromErrorStream = errorStreamMarkers.every((column) => Object.hasOwn(fields, column));
  return { stream: fromErrorStream ? errorStreamName : destinationStreamName, row: fields };
}
