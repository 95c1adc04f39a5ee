/**
 * Records read from a live Kinesis stream with the SDK (`--from-stream NAME`): every shard, from
 * TRIM_HORIZON or AT_TIMESTAMP, until each shard is caught up (or closed and read to its end).
 * Records come out merged across shards by `ApproximateArrivalTimestamp`, their ROWTIME, as KDA's
 * one ingestion clock sees them. The client is the caller's, so `AWS_ENDPOINT_URL_KINESIS`,
 * `AWS_REGION` and the credentials chain apply as for any SDK client.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { listShardIds } from "../local/streamReader";
import type { RecordSource } from "./fileSource";
import type { SourceRecord } from "./sourceRecord";

/** Where reading starts: the oldest record, or the first at or after a time (epoch ms). */
export type StreamPosition =
  { readonly type: "TRIM_HORIZON" } | { readonly type: "AT_TIMESTAMP"; readonly time: number };

export interface StreamSourceOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly from: StreamPosition;
  /** Records per GetRecords call (Kinesis allows up to 10,000). */
  readonly limit?: number;
  /** Stops reading between calls. */
  readonly signal?: AbortSignal;
}

/** Pause after a throttled call, doubled per retry up to 5 s. */
const throttleBackoffMs = 200;

/** A record source over a live stream. */
export function streamRecordSource(options: StreamSourceOptions): RecordSource {
  const from =
    options.from.type === "TRIM_HORIZON"
      ? "TRIM_HORIZON"
      : `AT_TIMESTAMP ${new Date(options.from.time).toISOString()}`;
  return {
    description: `stream ${options.streamName} from ${from}`,
    records: () => mergedRecords(options),
  };
}

async function* mergedRecords(options: StreamSourceOptions): AsyncGenerator<SourceRecord[]> {
  const shardIds = await listShardIds(options.client, options.streamName);
  const shards = shardIds.map((shardId) => new ShardCursor(options, shardId));
  for (;;) {
    await Promise.all(shards.filter((shard) => shard.needsPage).map((shard) => shard.fetch()));
    const batch: SourceRecord[] = [];
    // Take the earliest head while every shard that may still have records has one buffered.
    while (!shards.some((shard) => shard.needsPage)) {
      let best: ShardCursor | undefined;
      for (const shard of shards) {
        const head = shard.head;
        if (
          head !== undefined &&
          (best === undefined || head.arrivalTime < best.head!.arrivalTime)
        ) {
          best = shard;
        }
      }
      if (best === undefined) break;
      batch.push(best.take());
    }
    if (batch.length > 0) yield batch;
    else if (shards.every((shard) => shard.finished)) return;
    if (options.signal?.aborted) return;
  }
}

type ArrivedRecord = Extract<SourceRecord, { kind: "arrived" }>;

/** One shard's reader: a page of records at a time, after its iterator. */
class ShardCursor {
  private iterator: string | undefined;
  private opened = false;
  private page: ArrivedRecord[] = [];
  private position = 0;
  /** Closed and read to its end, or caught up with the stream's tip. */
  private ended = false;

  constructor(
    private readonly options: StreamSourceOptions,
    readonly shardId: string,
  ) {}

  get head(): ArrivedRecord | undefined {
    return this.page[this.position];
  }

  /** Out of buffered records but not at its end. */
  get needsPage(): boolean {
    return this.position >= this.page.length && !this.ended;
  }

  get finished(): boolean {
    return this.position >= this.page.length && this.ended;
  }

  take(): ArrivedRecord {
    return this.page[this.position++];
  }

  /** Reads pages until one has records or the shard has nothing more now. */
  async fetch(): Promise<void> {
    const { client, streamName, from, limit, signal } = this.options;
    if (!this.opened) {
      this.opened = true;
      const input: GetShardIteratorCommandInput =
        from.type === "TRIM_HORIZON"
          ? { StreamName: streamName, ShardId: this.shardId, ShardIteratorType: "TRIM_HORIZON" }
          : {
              StreamName: streamName,
              ShardId: this.shardId,
              ShardIteratorType: "AT_TIMESTAMP",
              Timestamp: new Date(from.time),
            };
      this.iterator = (await client.send(new GetShardIteratorCommand(input))).ShardIterator;
    }
    for (let attempt = 0; this.iterator !== undefined && !signal?.aborted;) {
      let response;
      try {
        response = await client.send(
          new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit ?? 10_000 }),
        );
      } catch (error) {
        if ((error as Error).name !== "ProvisionedThroughputExceededException") throw error;
        await sleep(Math.min(5000, throttleBackoffMs * 2 ** attempt++));
        continue;
      }
      this.iterator = response.NextShardIterator;
      this.page = (response.Records ?? []).map((record) => {
        const data = record.Data ?? new Uint8Array();
        return {
          kind: "arrived",
          data,
          arrivalTime: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
          shardId: this.shardId,
          sequenceNumber: record.SequenceNumber as string,
          bytes: data.byteLength + Buffer.byteLength(record.PartitionKey ?? ""),
        };
      });
      this.position = 0;
      if (this.page.length > 0) return;
      if (response.MillisBehindLatest === 0 || response.MillisBehindLatest === undefined) break;
    }
    this.ended = true;
  }
}
