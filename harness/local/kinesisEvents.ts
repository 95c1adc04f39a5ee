/**
 * Kinesis event records as the Lambda event source mapping builds them from GetRecords, so the
 * sessionizer runs locally on exactly the shape it gets in AWS.
 */
import type { KinesisStreamRecord } from "aws-lambda";
import type { StreamRecord } from "./streamReader";

/** The account and role the local events name; nothing checks them. */
const invokeIdentityArn = "arn:aws:iam::000000000000:role/sessionizer";

/**
 * One record read from a shard as an event record: base64 data, the arrival time in epoch seconds
 * with a fraction, `eventID` = `shardId:sequenceNumber`.
 */
export function kinesisEventRecord(
  record: StreamRecord,
  streamArn: string,
  region: string,
): KinesisStreamRecord {
  return {
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${record.shardId}:${record.sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn,
    awsRegion: region,
    eventSourceARN: streamArn,
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.partitionKey,
      sequenceNumber: record.sequenceNumber,
      data: Buffer.from(record.data).toString("base64"),
      approximateArrivalTimestamp: record.arrivalTime / 1000,
    },
  };
}
