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
 * Polls every open shard. `poll()` returns the records after each shard's position, merged across
 * shards in arrival order (ties keep shard order, then sequence order); call `checkpoint()` with
 * them once they are processed.
 */
export class StreamReader {
  private readonly iterators = new Map<string, string | undefined>();
  private readonly closedShards = new Set<string>();
  private readonly limit: number;

  constructor(private readonly options: StreamReaderOptions) {
    this.limit = options.limit ?? 10_000;
  }

  /** Reads whatever is available on every shard now. */
  async poll(): Promise<StreamRecord[]> {
    const shardIds = await this.openShards();
    const perShard = await Promise.all(shardIds.map((id) => this.readShard(id)));
    return mergeByArrival(perShard);
  }

  /** Records that the consumer has processed everything up to and including `records`. */
  checkpoint(records: readonly StreamRecord[]): void {
    for (const record of records) {
      this.options.checkpoints.set(record.shardId, record.sequenceNumber);
    }
  }

  /** Forgets the shard iterators, as after a restart: the next poll resumes from checkpoints. */
  resetIterators(): void {
    this.iterators.clear();
  }

  private async openShards(): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.client.send(
        nextToken
          ? new ListShardsCommand({ NextToken: nextToken })
          : new ListShardsCommand({ StreamName: this.options.streamName }),
      );
      for (const shard of page.Shards ?? []) {
        if (shard.ShardId && !this.closedShards.has(shard.ShardId)) ids.push(shard.ShardId);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return ids;
  }

  private async readShard(shardId: string): Promise<StreamRecord[]> {
    const records: StreamRecord[] = [];
    let iterator = this.iterators.get(shardId) ?? (await this.iteratorFromCheckpoint(shardId));
    // Page until the shard is drained for now, so one poll sees everything already written.
    while (iterator) {
      let page;
      try {
        page = await this.options.client.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: this.limit }),
        );
      } catch (error) {
        if ((error as Error).name !== "ExpiredIteratorException") throw error;
        iterator = await this.iteratorFromCheckpoint(shardId, records.at(-1)?.sequenceNumber);
        continue;
      }
      for (const record of page.Records ?? []) records.push(toStreamRecord(shardId, record));
      iterator = page.NextShardIterator;
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
    }
    if (iterator === undefined) this.closedShards.add(shardId);
    this.iterators.set(shardId, iterator);
    return records;
  }

  private async iteratorFromCheckpoint(
    shardId: string,
    after = this.options.checkpoints.get(shardId),
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

function toStreamRecord(shardId: string, record: _Record): StreamRecord {
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
