/**
 * Reads a Kinesis stream shard by shard, in sequence order within each shard, remembering per shard
 * the last sequence number the consumer finished with (its checkpoint), so reading resumes after it
 * when an iterator expires or the reader is recreated.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type _Record,
} from "@aws-sdk/client-kinesis";

/** One record read from a shard. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** `ApproximateArrivalTimestamp` in epoch ms: when Kinesis accepted the record. */
  readonly arrivalTime: number;
}

/** Where checkpoints live; in memory locally, a lease table in a KCL-style consumer. */
export interface CheckpointStore {
  get(shardId: string): string | undefined;
  set(shardId: string, sequenceNumber: string): void;
}

/** Checkpoints in a Map: enough for one process; survives readers, not the process. */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, string>();
  get(shardId: string): string | undefined {
    return this.checkpoints.get(shardId);
  }
  set(shardId: string, sequenceNumber: string): void {
    this.checkpoints.set(shardId, sequenceNumber);
  }
  /** Every shard's checkpoint, for display. */
  entries(): [string, string][] {
    return [...this.checkpoints.entries()];
  }
}

export interface StreamReaderOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly checkpoints: CheckpointStore;
  /** Records per GetRecords call (Kinesis allows up to 10 000). */
  readonly limit?: number;
}

/**
 * Reads every open shard. `poll()` returns the records after each shard's position, merged across
 * shards in arrival order (ties keep shard order, then sequence order); `readBatch()` reads one
 * shard one GetRecords call at a time, as the Lambda event source mapping does. Call `checkpoint()`
 * with records once they are processed. An expired iterator is replaced by one after the last
 * record read, so a slow consumer neither skips nor repeats records.
 */
export class StreamReader {
  private readonly iterators = new Map<string, string>();
  /** Per shard, the last sequence number read (processed or not): where a new iterator starts. */
  private readonly positions = new Map<string, string>();
  private readonly endedShards = new Set<string>();
  private readonly limit: number;

  constructor(private readonly options: StreamReaderOptions) {
    this.limit = options.limit ?? 10_000;
  }

  /** Reads whatever is available on every open shard now. */
  async poll(): Promise<StreamRecord[]> {
    const shardIds = await this.openShards();
    const perShard = await Promise.all(shardIds.map((id) => this.drainShard(id)));
    return mergeByArrival(perShard);
  }

  /**
   * One GetRecords call on one shard: at most `limit` records after its position, in sequence
   * order; none when nothing new has arrived or the shard has ended.
   */
  async readBatch(shardId: string, limit: number = this.limit): Promise<StreamRecord[]> {
    return (await this.getRecords(shardId, limit)).records;
  }

  /** The stream's shards, less those this reader has read to their end (closed by a reshard). */
  async openShards(): Promise<string[]> {
    return (await listShardIds(this.options.client, this.options.streamName)).filter(
      (id) => !this.endedShards.has(id),
    );
  }

  /** Whether the shard is closed and every one of its records has been read. */
  hasEnded(shardId: string): boolean {
    return this.endedShards.has(shardId);
  }

  /** Records that the consumer has processed everything up to and including `records`. */
  checkpoint(records: readonly StreamRecord[]): void {
    for (const record of records) {
      this.options.checkpoints.set(record.shardId, record.sequenceNumber);
    }
  }

  /**
   * Forgets the shard iterators (of one shard, or all), as after a restart: the next read resumes
   * right after the checkpoint, so records read but not checkpointed are read again.
   */
  resetIterators(shardId?: string): void {
    for (const map of [this.iterators, this.positions]) {
      if (shardId === undefined) map.clear();
      else map.delete(shardId);
    }
  }

  /** Pages one shard until it is drained for now, so one poll sees everything already written. */
  private async drainShard(shardId: string): Promise<StreamRecord[]> {
    const records: StreamRecord[] = [];
    for (;;) {
      const page = await this.getRecords(shardId, this.limit);
      records.push(...page.records);
      if (page.records.length === 0 || page.caughtUp || this.endedShards.has(shardId)) {
        return records;
      }
    }
  }

  /** One GetRecords call, getting a new iterator first when the shard has none or it expired. */
  private async getRecords(
    shardId: string,
    limit: number,
  ): Promise<{ records: StreamRecord[]; caughtUp: boolean }> {
    while (!this.endedShards.has(shardId)) {
      const iterator =
        this.iterators.get(shardId) ??
        (await this.iteratorAfter(
          shardId,
          this.positions.get(shardId) ?? this.options.checkpoints.get(shardId),
        ));
      if (iterator === undefined) break;
      let page;
      try {
        page = await this.options.client.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
        );
      } catch (error) {
        if ((error as Error).name !== "ExpiredIteratorException") throw error;
        this.iterators.delete(shardId);
        continue;
      }
      const records = (page.Records ?? []).map((record) => toStreamRecord(shardId, record));
      const last = records.at(-1);
      if (last !== undefined) this.positions.set(shardId, last.sequenceNumber);
      // No next iterator: the shard is closed and this was its last page.
      if (page.NextShardIterator === undefined) {
        this.iterators.delete(shardId);
        this.endedShards.add(shardId);
      } else {
        this.iterators.set(shardId, page.NextShardIterator);
      }
      return { records, caughtUp: page.MillisBehindLatest === 0 };
    }
    this.endedShards.add(shardId);
    return { records: [], caughtUp: true };
  }

  private async iteratorAfter(
    shardId: string,
    after: string | undefined,
  ): Promise<string | undefined> {
    const response = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamName: this.options.streamName,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: after }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      }),
    );
    return response.ShardIterator;
  }
}

/**
 * Every shard id of a stream, all pages. A hand-written loop because the SDK ships no ListShards
 * paginator: a ListShards `NextToken` may not be sent with the `StreamName` that the first call
 * needs (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html), which the
 * SDK's generic paginator would do.
 */
export async function listShardIds(client: KinesisClient, streamName: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      nextToken
        ? new ListShardsCommand({ NextToken: nextToken })
        : new ListShardsCommand({ StreamName: streamName }),
    );
    for (const shard of page.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
    nextToken = page.NextToken;
  } while (nextToken);
  return ids;
}

/** One GetRecords record of `shardId` as a `StreamRecord`. */
export function toStreamRecord(shardId: string, record: _Record): StreamRecord {
  return {
    shardId,
    sequenceNumber: record.SequenceNumber as string,
    partitionKey: record.PartitionKey as string,
    data: record.Data ?? new Uint8Array(),
    arrivalTime: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
  };
}

/** Merges per-shard lists (each in sequence order) into one list in arrival order, stably. */
export function mergeByArrival(perShard: readonly (readonly StreamRecord[])[]): StreamRecord[] {
  const merged: StreamRecord[] = [];
  const positions = perShard.map(() => 0);
  for (;;) {
    let best = -1;
    perShard.forEach((records, shard) => {
      const candidate = records[positions[shard]];
      if (candidate === undefined) return;
      if (best < 0 || candidate.arrivalTime < perShard[best][positions[best]].arrivalTime) {
        best = shard;
      }
    });
    if (best < 0) return merged;
    merged.push(perShard[best][positions[best]++]);
  }
}
