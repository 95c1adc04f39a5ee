/**
 * The Kinesis Data Analytics (SQL) Lambda output contract, typed here because `@types/aws-lambda`
 * has no shapes for it. See `docs/semantics.md` ("Output to Lambda") and
 * https://docs.aws.amazon.com/kinesisanalytics/latest/dev/how-it-works-output-lambda.html
 */

/** What KDA sends: one in-application stream's rows, each `data` being base64 of the row as JSON. */
export interface KinesisAnalyticsOutputDeliveryEvent {
  readonly invocationId: string;
  readonly applicationArn: string;
  readonly records: readonly KinesisAnalyticsOutputDeliveryEventRecord[];
}

export interface KinesisAnalyticsOutputDeliveryEventRecord {
  readonly recordId: string;
  readonly lambdaDeliveryRecordMetadata?: { readonly retryHint: number };
  readonly data: string;
}

/** The two answers KDA understands: `DeliveryFailed` makes it redeliver the record. */
export const DeliveryResult = { Ok: "Ok", DeliveryFailed: "DeliveryFailed" } as const;
export type DeliveryResult = (typeof DeliveryResult)[keyof typeof DeliveryResult];

/** What the function returns: every recordId of the event, answered once. */
export interface KinesisAnalyticsOutputDeliveryResponse {
  readonly records: readonly { readonly recordId: string; readonly result: DeliveryResult }[];
}
