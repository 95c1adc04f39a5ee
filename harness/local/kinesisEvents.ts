/**
 * Kinesis event records as the Lambda event source mapping builds them from GetRecords, so the
 * sessionizer runs locally on exactly the shape it gets in AWS.
 */
import type { _Record } from "@aws-sdk/client-kinesis";
import type { KinesisStreamRecord } from "aws-lambda";

/** The account and role the local events name; nothing checks them. */
const invokeIdentityArn = "arn:aws:iam::000000000000:role/sessionizer";

/**
 * One GetRecords record as an event record: base64 data, the arrival time in epoch seconds with a
 * fraction (GetRecords gives a Date), `eventID` = `shardId:sequenceNumber`.
 */
export function kinesisEventRecord(
  record: _Record,
  shardId: string,
  streamArn: string,
  region: string,
): KinesisStreamRecord {
  return {
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${shardId}:${record.SequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn,
    awsRegion: region,
    eventSourceARN: streamArn,
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.PartitionKey ?? "",
      sequenceNumber: record.SequenceNumber ?? "",
      data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
  };
}
