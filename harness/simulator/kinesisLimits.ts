/**
 * PutRecords limits (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
 * A module of their own, without the AWS SDK, so a replay of a file does not load the SDK to read
 * four numbers (the SDK is most of a command's start-up).
 */
export const putRecordsLimits = {
  maxRecords: 500,
  maxRequestBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
  maxPartitionKeyLength: 256,
} as const;
