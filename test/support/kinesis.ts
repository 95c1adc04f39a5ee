/**
 * Test support: a kinesalite server started by the test on a free loopback port, a real Kinesis
 * client for it, and the Kinesis events the event source mapping would build from GetRecords.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type _Record,
} from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { kinesisEventRecord } from "../../harness/local/kinesisEvents";
import {
  createStream,
  localKinesisClient,
  startKinesalite as startEmulator,
} from "../../harness/local/localStack";
import { toStreamRecord } from "../../harness/local/streamReader";
import { region } from "./dynamo";

export { createStream };

export interface Kinesalite {
  readonly client: KinesisClient;
  close(): Promise<void>;
}

/** kinesalite from the local-stack module, with a client for it. */
export async function startKinesalite(): Promise<Kinesalite> {
  const emulator = await startEmulator();
  const client = localKinesisClient(emulator.endpoint);
  return {
    client,
    close: () => {
      client.destroy();
      return emulator.close();
    },
  };
}

/**
 * Puts records in order, keyed by `partitionKey`, 500 per PutRecords call (the API's limit); text
 * data goes as UTF-8, bytes as they are.
 */
export async function putRecords(
  client: KinesisClient,
  stream: string,
  records: readonly { readonly data: string | Uint8Array; readonly partitionKey: string }[],
): Promise<void> {
  for (let start = 0; start < records.length; start += 500) {
    const chunk = records.slice(start, start + 500);
    const output = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: chunk.map((r) => ({
          Data: typeof r.data === "string" ? Buffer.from(r.data, "utf8") : r.data,
          PartitionKey: r.partitionKey,
        })),
      }),
    );
    if ((output.FailedRecordCount ?? 0) > 0) throw new Error("PutRecords left records unput");
  }
}

/** A GetRecords record as the event source mapping hands it to Lambda. */
export function toEventRecord(
  record: _Record,
  shardId: string,
  streamArn: string,
): KinesisStreamRecord {
  return kinesisEventRecord(toStreamRecord(shardId, record), streamArn, region);
}

/**
 * Reads every shard from TRIM_HORIZON with GetRecords (`limit` records per call) and returns one
 * Kinesis event per GetRecords answer, per shard in order: what the event source mapping invokes
 * the function with when its batch size is `limit`.
 */
export async function readShardEvents(
  client: KinesisClient,
  stream: string,
  streamArn: string,
  limit: number,
): Promise<{ shardId: string; events: KinesisStreamEvent[] }[]> {
  const { Shards } = await client.send(new ListShardsCommand({ StreamName: stream }));
  const result: { shardId: string; events: KinesisStreamEvent[] }[] = [];
  for (const shard of Shards ?? []) {
    const shardId = shard.ShardId!;
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: stream,
        ShardId: shardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    const events: KinesisStreamEvent[] = [];
    while (iterator !== undefined) {
      const page = await client.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
      );
      const records = page.Records ?? [];
      if (records.length === 0) break;
      events.push({ Records: records.map((r) => toEventRecord(r, shardId, streamArn)) });
      iterator = page.NextShardIterator;
    }
    result.push({ shardId, events });
  }
  return result;
}
