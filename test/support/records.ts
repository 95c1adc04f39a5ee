/** Record factories for delivery tests: KDA output rows, events and error_stream rows. */
import type { KinesisAnalyticsOutputDeliveryEvent } from "../../handlers/delivery/event";
import type { DeliveryLogger } from "../../handlers/delivery/deliverRows";
import type { DeliveryObject } from "../../handlers/delivery/typedRow";

export const applicationArn =
  "arn:aws:kinesisanalytics:us-west-2:123456789012:application/lab-application";

export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64");
}

/** A DESTINATION_SQL_STREAM row as KDA delivers it (CHAR(7) user_id blank-padded). */
export function sessionRow(n: number, overrides: DeliveryObject = {}): DeliveryObject {
  const user = `user${(n % 20) + 1}`.padEnd(7, " ");
  const time = new Date(Date.UTC(2026, 0, 1, 10) + n * 11_000).toISOString().slice(11, 19);
  return {
    user_id: user,
    session_id: `${user}_mobile_${time}_${n}`,
    session_time: time,
    latest_time: time,
    ...overrides,
  };
}

/** An error_stream row as the harness emits it for a record that is not JSON. */
export function errorStreamRow(n: number): DeliveryObject {
  return {
    ERROR_TIME: "2026-01-01 10:00:00.123",
    ERROR_LEVEL: "ERROR",
    ERROR_NAME: "Not_A_JSON_Object",
    MESSAGE: `record ${n} is not a JSON object`,
    DATA_ROWTIME: "2026-01-01 10:00:00.100",
    DATA_ROW: Buffer.from(`not json ${n}`).toString("hex"),
    PUMP_NAME: null,
  };
}

export function kdaEvent(
  datas: readonly string[],
  options: { retryHint?: number; invocationId?: string; recordIds?: readonly string[] } = {},
): KinesisAnalyticsOutputDeliveryEvent {
  return {
    invocationId: options.invocationId ?? "invocation-1",
    applicationArn,
    records: datas.map((data, index) => ({
      recordId: options.recordIds?.[index] ?? `record-${index}`,
      lambdaDeliveryRecordMetadata: { retryHint: options.retryHint ?? 0 },
      data,
    })),
  };
}

/** A Lambda context whose clock runs down from `ms`. */
export function lambdaContext(ms = 60_000): { getRemainingTimeInMillis(): number } {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
}

export interface LogLine {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly attributes: Record<string, unknown>;
}

/** A logger that keeps its lines, so tests can assert on the per-invocation counts. */
export function recordingLogger(): DeliveryLogger & { readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (message: string, attributes: Record<string, unknown>): void => {
      lines.push({ level, message, attributes });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
