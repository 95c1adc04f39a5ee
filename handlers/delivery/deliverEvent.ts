/**
 * The KDA protocol edge: decodes a KDA output delivery event into typed rows for `deliverRows`
 * and turns its answers into KDA's response. A record whose `data` is no row (not base64, UTF-8,
 * JSON or an object) goes along undecoded, to be dead-lettered with the reason. Tolerates a
 * malformed event (it cannot make the function throw): records without a string `recordId` cannot
 * be answered and are only logged; a non-string `data` is kept as JSON text and dead-lettered,
 * since it is not the base64 text KDA sends.
 */
import { jsonText } from "./jsonText";
import { deliverRows, type DeliveryDeps } from "./deliverRows";
import { decodeRecordData } from "./recordData";
import type { DeliveryInput } from "./typedRow";
import {
  DeliveryResult,
  type KinesisAnalyticsOutputDeliveryEvent,
  type KinesisAnalyticsOutputDeliveryResponse,
} from "./event";

/** Everything `deliverRows` needs except what the event itself carries. */
export type EventDeliveryDeps = Omit<DeliveryDeps, "invocationId" | "applicationArn">;

/**
 * Delivers one KDA output event: every distinct `recordId` is answered once, in event order.
 *
 * @example
 * await deliverEvent({ invocationId: "i", applicationArn: "arn:...", records: [{ recordId: "1", data: "e30=" }] }, deps)
 * // -> { records: [{ recordId: "1", result: "Ok" }] }   ("e30=" is `{}`: dead-lettered, InvalidField)
 */
export async function deliverEvent(
  event: KinesisAnalyticsOutputDeliveryEvent,
  deps: EventDeliveryDeps,
): Promise<KinesisAnalyticsOutputDeliveryResponse> {
  const loose = (event ?? {}) as Partial<
    Record<keyof KinesisAnalyticsOutputDeliveryEvent, unknown>
  >;
  const records: unknown[] = Array.isArray(loose.records) ? loose.records : [];
  const received: { readonly id: string; readonly data: string; readonly retryHint: number }[] = [];
  let unanswerable = 0;
  for (const record of records) {
    const { recordId, data, lambdaDeliveryRecordMetadata } = (record ?? {}) as Record<
      string,
      unknown
    >;
    if (typeof recordId !== "string") {
      unanswerable += 1;
      continue;
    }
    const retryHint = (lambdaDeliveryRecordMetadata as { retryHint?: unknown } | undefined)
      ?.retryHint;
    received.push({
      id: recordId,
      data: typeof data === "string" ? data : jsonText(data),
      retryHint: typeof retryHint === "number" ? retryHint : 0,
    });
  }
  const invocationId = typeof loose.invocationId === "string" ? loose.invocationId : "";
  if (unanswerable > 0 || !Array.isArray(loose.records)) {
    deps.logger.warn("event has records that cannot be answered", {
      invocationId,
      recordsIsArray: Array.isArray(loose.records),
      withoutRecordId: unanswerable,
    });
  }
  let results: Map<string, DeliveryResult>;
  try {
    results = await deliverRows(received.map(decodeRecord), {
      ...deps,
      invocationId,
      applicationArn: typeof loose.applicationArn === "string" ? loose.applicationArn : "",
    });
  } catch (error) {
    // Not expected (deliverRows handles bad data and DynamoDB failures itself), but a thrown
    // invocation is retried by KDA as a whole anyway; answering keeps the contract explicit.
    deps.logger.error("delivery failed unexpectedly; every record will be redelivered", {
      invocationId,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    results = new Map(received.map((record) => [record.id, DeliveryResult.DeliveryFailed]));
  }
  return { records: [...results].map(([recordId, result]) => ({ recordId, result })) };
}

/** One record as the delivery core takes it: its row and stream, or why its `data` is none. */
function decodeRecord(record: {
  readonly id: string;
  readonly data: string;
  readonly retryHint: number;
}): DeliveryInput {
  const decoded = decodeRecordData(record.data);
  return "reason" in decoded ? { ...record, rejected: decoded } : { ...record, ...decoded };
}
