/**
 * The sessionizer's durable window state in DynamoDB (`stateTableShape`: hash key `pk`, a string).
 *
 * Two kinds of item:
 * - one per partition key, `pk = "key#" + keyText` (`key#["user1"]`): the window state of that key
 *   (`windows`, JSON), the sequence number of the last record applied per shard (`applied`, a map
 *   shardId -> sequence) and a `version` that every write increments;
 * - one per shard, `pk = "shard#" + streamArn + "#" + shardId`: the shard's last ROWTIME
 *   (`lastRowtime`), the sequence number up to which its records were applied (`sequence`; it
 *   decides for records that have no key, such as records that are not JSON) and a `version`.
 *
 * Every write is a PutItem conditioned on the version that was read (`attribute_not_exists(pk)`
 * for a new item): optimistic concurrency, so an invocation that lost a race (another one moved the
 * item on) gets `StateConflictError` instead of overwriting newer state. The sequence numbers are
 * not the condition themselves because a key's item is shared by every shard that carried the key
 * (after a reshard, or with a partition key other than user_id); they decide which records of a
 * redelivered batch were already applied.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from "@aws-sdk/lib-dynamodb";
import { stateTableShape } from "../../sql/contracts";
import { forEachConcurrently, jitteredBackoffMs } from "../shared/concurrency";
import { documentClient } from "../shared/documentClient";
import type { KeyState } from "./engine";

/** DynamoDB's limit of keys in one BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;

/** One shard of one stream. */
export interface ShardRef {
  readonly streamArn: string;
  readonly shardId: string;
}

/** The shard's item; `version` 0 means it does not exist yet. */
export interface ShardState {
  readonly lastRowtime: number | null;
  /** The greatest sequence number applied from this shard, or null before the first. */
  readonly sequence: string | null;
  readonly version: number;
}

/** A partition key's item; `version` 0 means it does not exist yet. */
export interface PartitionState {
  readonly windows: KeyState | null;
  /** shardId -> the greatest sequence number of that shard applied to this key. */
  readonly applied: Readonly<Record<string, string>>;
  readonly version: number;
}

export interface LoadedState {
  readonly shard: ShardState;
  /** Every requested key, found or not (then version 0, no windows). */
  readonly partitions: ReadonlyMap<string, PartitionState>;
}

/** A conditional write lost: another invocation changed the item since it was read. */
export class StateConflictError extends Error {
  public override readonly name = "StateConflictError";
}

/** BatchGetItem left keys unprocessed after every retry (sustained throttling). */
export class StateUnavailableError extends Error {
  public override readonly name = "StateUnavailableError";
}

export interface StateTableOptions {
  /** PutItem calls in flight at once when committing. */
  readonly concurrency?: number;
  /** BatchGetItem attempts for keys DynamoDB leaves unprocessed. */
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
}

const emptyShard: ShardState = { lastRowtime: null, sequence: null, version: 0 };
const emptyPartition: PartitionState = { windows: null, applied: {}, version: 0 };

/** The state table's hash key attribute. */
const hashKey = stateTableShape.hashKey.name;

/** A state item as the document client reads and writes it. */
type StateItem = Record<string, NativeAttributeValue>;

/** The item key of a partition key's state. */
export function partitionPk(key: string): string {
  return `key#${key}`;
}

/** The item key of a shard's state. */
export function shardPk(shard: ShardRef): string {
  return `shard#${shard.streamArn}#${shard.shardId}`;
}

/** Reads and conditionally writes the state items of one table. */
export class StateTable {
  private readonly documents: DynamoDBDocumentClient;
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;

  public constructor(
    client: DynamoDBClient,
    private readonly table: string,
    options: StateTableOptions = {},
  ) {
    this.documents = documentClient(client);
    this.concurrency = options.concurrency ?? 16;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoffBaseMs = options.backoffBaseMs ?? 20;
  }

  /** Reads the shard's item and the items of `keys` with strongly consistent reads. */
  public async load(shard: ShardRef, keys: Iterable<string>): Promise<LoadedState> {
    const pks = [shardPk(shard), ...[...keys].map(partitionPk)];
    const chunks: string[][] = [];
    for (let start = 0; start < pks.length; start += BATCH_GET_LIMIT) {
      chunks.push(pks.slice(start, start + BATCH_GET_LIMIT));
    }
    const found = new Map<string, StateItem>();
    await forEachConcurrently(chunks, this.concurrency, async (chunk) => {
      for (const item of await this.batchGet(chunk)) found.set(String(item[hashKey]), item);
    });
    const shardItem = found.get(pks[0]);
    const partitions = new Map<string, PartitionState>();
    for (const key of keys) {
      const item = found.get(partitionPk(key));
      partitions.set(key, item === undefined ? emptyPartition : decodePartition(item));
    }
    return { shard: shardItem === undefined ? emptyShard : decodeShard(shardItem), partitions };
  }

  /**
   * One BatchGetItem of up to 100 keys, asking again for the keys DynamoDB leaves unprocessed.
   * The loop is our own rather than lib-dynamodb's `paginatedBatchGet`, which asks again at once
   * and without end: under throttling this one backs off with jitter and gives up after
   * `maxAttempts`, and every attempt reads strongly consistent, which the optimistic concurrency
   * of `commit` relies on.
   */
  private async batchGet(pks: readonly string[]): Promise<StateItem[]> {
    const items: StateItem[] = [];
    let keys: StateItem[] = pks.map((pk) => ({ [hashKey]: pk }));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt === this.maxAttempts) {
        throw new StateUnavailableError(
          `BatchGetItem on ${this.table} left ${keys.length} keys unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await sleep(jitteredBackoffMs(attempt, this.backoffBaseMs));
      const output = await this.documents.send(
        new BatchGetCommand({
          RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      items.push(...(output.Responses?.[this.table] ?? []));
      keys = output.UnprocessedKeys?.[this.table]?.Keys ?? [];
    }
    return items;
  }

  /**
   * Writes the new state of `partitions` and then of the shard, each conditioned on the version
   * that was loaded. The shard item goes last, after every partition item is written: the shard's
   * ROWTIME and sequence only move once all of the batch's keys have, so a batch cut short by a
   * crash is replayed from the same ROWTIME. Throws `StateConflictError` on a lost condition.
   */
  public async commit(
    shard: ShardRef,
    partitions: ReadonlyMap<
      string,
      { readonly before: PartitionState; readonly after: PartitionState }
    >,
    shardState: { readonly before: ShardState; readonly after: ShardState },
  ): Promise<void> {
    const writes = [...partitions].map(([key, { before, after }]) => ({
      item: encodePartition(key, after),
      expectedVersion: before.version,
    }));
    const failures: unknown[] = [];
    await forEachConcurrently(writes, this.concurrency, async (write) => {
      try {
        await this.put(write.item, write.expectedVersion);
      } catch (error) {
        failures.push(error);
      }
    });
    if (failures.length > 0) throw failures[0];
    const { before, after } = shardState;
    // A batch that was all skipped leaves the shard where it was: no write, no new version.
    if (after.lastRowtime === before.lastRowtime && after.sequence === before.sequence) return;
    await this.put(encodeShard(shard, after), before.version);
  }

  private async put(item: StateItem, expectedVersion: number): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.table,
          Item: item,
          ...(expectedVersion === 0
            ? {
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": hashKey },
              }
            : {
                ConditionExpression: "#version = :expected",
                ExpressionAttributeNames: { "#version": "version" },
                ExpressionAttributeValues: { ":expected": expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if ((error as { name?: unknown }).name === "ConditionalCheckFailedException") {
        throw new StateConflictError(
          `State item ${String(item[hashKey])} changed since version ${expectedVersion} was ` +
            `read; another invocation moved it on`,
        );
      }
      throw error;
    }
  }
}

function encodePartition(key: string, state: PartitionState): StateItem {
  return {
    [hashKey]: partitionPk(key),
    windows: JSON.stringify(state.windows ?? []),
    applied: { ...state.applied },
    version: state.version,
  };
}

function decodePartition(item: StateItem): PartitionState {
  return {
    windows: JSON.parse((item.windows as string | undefined) ?? "[]") as KeyState,
    applied: (item.applied as Record<string, string> | undefined) ?? {},
    version: Number(item.version ?? 0),
  };
}

function encodeShard(shard: ShardRef, state: ShardState): StateItem {
  return {
    [hashKey]: shardPk(shard),
    ...(state.lastRowtime === null ? {} : { lastRowtime: state.lastRowtime }),
    ...(state.sequence === null ? {} : { sequence: state.sequence }),
    version: state.version,
  };
}

function decodeShard(item: StateItem): ShardState {
  return {
    lastRowtime: item.lastRowtime === undefined ? null : Number(item.lastRowtime),
    sequence: (item.sequence as string | undefined) ?? null,
    version: Number(item.version ?? 0),
  };
}
