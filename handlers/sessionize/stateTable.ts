/**
 * The sessionizer's durable state in DynamoDB (`stateTableShape`: hash key `pk`, a string). Why it
 * is shaped this way, and why it is correct, is argued in `docs/engines.md` ("Guarantees").
 *
 * One item per partition key, `pk = "key#" + keyText` (`key#["user1"]`):
 * - `windows`: the key's window state (JSON text);
 * - `applied`: shardId -> the greatest sequence number of that shard applied to the key;
 * - `pending`: the rows the last committed transition produced, as JSON text, until they are known
 *   to be in the sessions and dead-letter tables. A transition commits its state and its rows in
 *   this one conditional PutItem; the rows are written to their tables only after it, so no row
 *   reaches a table unless the transition that produced it committed (no phantom rows), and a row
 *   whose transition committed stays here until it is written (no lost rows);
 * - `marks`: `<shardId>#<from>` -> the greatest sequence number of a skipped range (see gaps below)
 *   applied to the key, or "" for none: what lets a redrive apply exactly the range's unapplied
 *   records even after later records of the shard moved `applied` past them;
 * - `version`: incremented by every commit; every commit is conditioned on the version read.
 *
 * One item per shard, `pk = "shard#" + streamArn + "#" + shardId` (and one per range being
 * redriven, `redrive#...`):
 * - `lease`: `{ owner, until, first }`, the invocation working on the shard and until when: the
 *   concurrency guard (one batch per shard at a time);
 * - `inFlight`: `{ first, last }` of the batch not yet completed, so that the next batch can tell
 *   when the event source mapping skipped a range (it starts after `inFlight.last`);
 * - `gaps`: from -> `{ to, at }`, the ranges the mapping skipped that are not redriven yet;
 * - `sequence`: up to where every record of the shard is done (it decides for records without a
 *   key, whose error rows depend on no state and so are kept in no key's item);
 * - `lastRowtime`: the shard's ROWTIME clock.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from "@aws-sdk/lib-dynamodb";
import { setTimeout as sleep } from "node:timers/promises";
import { stateTableShape } from "../../sql/contracts";
import type { DeliveryRow } from "../delivery/typedRow";
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

/** A range of a shard's sequence numbers, both ends included. */
export interface SequenceRange {
  readonly first: string;
  readonly last: string;
}

/** A range the event source mapping skipped, as the shard's item lists it. */
export interface Gap {
  readonly from: string;
  readonly to: string;
  /** When it was noticed (epoch ms). */
  readonly at: number;
}

/** The shard's item as a lease hands it over (what it held before this invocation's lease). */
export interface LeasedShard {
  readonly lastRowtime: number | null;
  /**
   * The greatest sequence number up to which every record of the shard is done: it decides for
   * records that have no key (records that are not JSON, say), whose error rows depend on no state.
   */
  readonly sequence: string | null;
  /** The batch an earlier invocation did not complete, if any. */
  readonly inFlight: SequenceRange | null;
  readonly gaps: readonly Gap[];
}

/** A row a committed transition produced, kept in the key's item until it is in its table. */
export type PendingRow = Pick<DeliveryRow, "id" | "stream" | "row">;

/** A partition key's item; `version` 0 means it does not exist yet. */
export interface PartitionState {
  readonly windows: KeyState | null;
  /** shardId -> the greatest sequence number of that shard applied to this key. */
  readonly applied: Readonly<Record<string, string>>;
  /** `<shardId>#<gap from>` -> the greatest sequence of that skipped range applied, "" for none. */
  readonly marks: Readonly<Record<string, string>>;
  readonly pending: readonly PendingRow[];
  readonly version: number;
}

/** A conditional write lost: another invocation changed the item since it was read. */
export class StateConflictError extends Error {
  public override readonly name = "StateConflictError";
}

/** BatchGetItem left keys unprocessed after every retry (sustained throttling). */
export class StateUnavailableError extends Error {
  public override readonly name = "StateUnavailableError";
}

/** Another invocation holds the shard's lease: two batches of one shard at once. */
export class ShardBusyError extends Error {
  public override readonly name = "ShardBusyError";
}

/** This invocation's lease was taken over before it released it. */
export class LeaseLostError extends Error {
  public override readonly name = "LeaseLostError";
}

export interface StateTableOptions {
  /** Calls in flight at once when loading. */
  readonly concurrency?: number;
  /** BatchGetItem attempts for keys DynamoDB leaves unprocessed. */
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
}

const emptyPartition: PartitionState = {
  windows: null,
  applied: {},
  marks: {},
  pending: [],
  version: 0,
};

/** The state table's hash key attribute. */
const hashKey = stateTableShape.hashKey.name;

/** A state item as the document client reads and writes it. */
type StateItem = Record<string, NativeAttributeValue>;

/** The item key of a partition key's state. */
export function partitionPk(key: string): string {
  return `key#${key}`;
}

/** The item key of a shard's state and lease. */
export function shardPk(shard: ShardRef): string {
  return `shard#${shard.streamArn}#${shard.shardId}`;
}

/** The item key of the lease of one skipped range being redriven. */
export function redrivePk(shard: ShardRef, from: string): string {
  return `redrive#${shard.streamArn}#${shard.shardId}#${from}`;
}

/** The `marks` entry of a skipped range of a shard. */
export function markKey(shardId: string, from: string): string {
  return `${shardId}#${from}`;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown }).name === "ConditionalCheckFailedException";
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

  /**
   * Takes the lease of the item `pk` (a shard, or a range being redriven) for `owner` until
   * `untilMs`, recording `batch` as in flight, and returns what the item held before. The lease is
   * free when nobody holds it, when it expired (its holder died: a crashed invocation never
   * releases), or when its holder worked on a batch with the same first record: the event source
   * mapping retrying a batch whose invocation died. Throws `ShardBusyError` otherwise: another
   * invocation is working on other records of the same shard at this moment.
   */
  public async acquireLease(
    pk: string,
    lease: { readonly owner: string; readonly nowMs: number; readonly untilMs: number },
    batch: SequenceRange,
  ): Promise<LeasedShard> {
    let old: StateItem | undefined;
    try {
      const output = await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [hashKey]: pk },
          UpdateExpression:
            "SET #lease = :lease, #inFlight = :inFlight, #gaps = if_not_exists(#gaps, :noGaps)",
          ConditionExpression:
            "attribute_not_exists(#lease) OR #lease.#until < :now OR #lease.#first = :first OR #lease.#owner = :owner",
          ExpressionAttributeNames: {
            "#lease": "lease",
            "#inFlight": "inFlight",
            "#gaps": "gaps",
            "#until": "until",
            "#first": "first",
            "#owner": "owner",
          },
          ExpressionAttributeValues: {
            ":lease": { owner: lease.owner, until: lease.untilMs, first: batch.first },
            ":inFlight": { first: batch.first, last: batch.last },
            ":noGaps": {},
            ":now": lease.nowMs,
            ":first": batch.first,
            ":owner": lease.owner,
          },
          ReturnValues: "ALL_OLD",
        }),
      );
      old = output.Attributes;
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ShardBusyError(
          `${pk} is leased by another invocation working on other records of the shard`,
        );
      }
      throw error;
    }
    const inFlight = old?.inFlight as { first?: unknown; last?: unknown } | undefined;
    const gaps = (old?.gaps ?? {}) as Record<string, { to?: unknown; at?: unknown }>;
    return {
      lastRowtime: old?.lastRowtime === undefined ? null : Number(old.lastRowtime),
      sequence: typeof old?.sequence === "string" ? old.sequence : null,
      inFlight:
        typeof inFlight?.first === "string" && typeof inFlight.last === "string"
          ? { first: inFlight.first, last: inFlight.last }
          : null,
      gaps: Object.entries(gaps).map(([from, gap]) => ({
        from,
        to: String(gap.to),
        at: Number(gap.at ?? 0),
      })),
    };
  }

  /** Adds `add` to the shard's skipped ranges and forgets `forget`, while `owner` holds it. */
  public async updateGaps(
    pk: string,
    owner: string,
    change: { readonly add?: Gap; readonly forget?: readonly string[] },
  ): Promise<void> {
    const names: Record<string, string> = { "#gaps": "gaps", "#lease": "lease", "#owner": "owner" };
    const values: Record<string, NativeAttributeValue> = { ":owner": owner };
    const set: string[] = [];
    const remove: string[] = [];
    if (change.add !== undefined) {
      names["#add"] = change.add.from;
      values[":gap"] = { to: change.add.to, at: change.add.at };
      set.push("#gaps.#add = :gap");
    }
    (change.forget ?? []).forEach((from, i) => {
      names[`#forget${i}`] = from;
      remove.push(`#gaps.#forget${i}`);
    });
    if (set.length + remove.length === 0) return;
    await this.documents.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [hashKey]: pk },
        UpdateExpression: [
          set.length > 0 ? `SET ${set.join(", ")}` : "",
          remove.length > 0 ? `REMOVE ${remove.join(", ")}` : "",
        ].join(" "),
        ConditionExpression: "#lease.#owner = :owner",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Forgets one skipped range of the shard `pk`: it has been redriven. */
  public async closeGap(pk: string, from: string): Promise<void> {
    await this.documents
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [hashKey]: pk },
          UpdateExpression: "REMOVE #gaps.#from",
          ConditionExpression: "attribute_exists(#gaps)",
          ExpressionAttributeNames: { "#gaps": "gaps", "#from": from },
        }),
      )
      .catch((error: unknown) => {
        // No gaps map at all: nothing to forget.
        if (!isConditionFailure(error)) throw error;
      });
  }

  /**
   * Releases `owner`'s lease and stores the shard's clock and how far it is done; `inFlight` is the
   * part of the batch not completed (null when it all was). Throws `LeaseLostError` when the lease
   * was taken over.
   */
  public async releaseLease(
    pk: string,
    owner: string,
    after: {
      readonly lastRowtime: number | null;
      readonly sequence: string | null;
      readonly inFlight: SequenceRange | null;
    },
  ): Promise<void> {
    const set: string[] = [];
    const remove = ["#lease"];
    const values: Record<string, NativeAttributeValue> = { ":owner": owner };
    if (after.lastRowtime !== null) {
      set.push("lastRowtime = :rowtime");
      values[":rowtime"] = after.lastRowtime;
    }
    if (after.sequence !== null) {
      set.push("#sequence = :sequence");
      values[":sequence"] = after.sequence;
    }
    if (after.inFlight === null) remove.push("#inFlight");
    else {
      set.push("#inFlight = :inFlight");
      values[":inFlight"] = { first: after.inFlight.first, last: after.inFlight.last };
    }
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [hashKey]: pk },
          UpdateExpression: `${set.length > 0 ? `SET ${set.join(", ")} ` : ""}REMOVE ${remove.join(", ")}`,
          ConditionExpression: "#lease.#owner = :owner",
          ExpressionAttributeNames: {
            "#lease": "lease",
            "#owner": "owner",
            "#inFlight": "inFlight",
            ...(after.sequence === null ? {} : { "#sequence": "sequence" }),
          },
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new LeaseLostError(`${pk}: the lease of ${owner} was taken over before its release`);
      }
      throw error;
    }
  }

  /** The ranges of the shard the event source mapping skipped and no redrive has closed yet. */
  public async gapsOf(shard: ShardRef): Promise<Gap[]> {
    const [item] = await this.batchGet([shardPk(shard)]);
    const gaps = (item?.gaps ?? {}) as Record<string, { to?: unknown; at?: unknown }>;
    return Object.entries(gaps).map(([from, gap]) => ({
      from,
      to: String(gap.to),
      at: Number(gap.at ?? 0),
    }));
  }

  /** Reads the items of `keys` with strongly consistent reads; missing ones are empty. */
  public async loadPartitions(keys: Iterable<string>): Promise<Map<string, PartitionState>> {
    const wanted = [...keys];
    const pks = wanted.map(partitionPk);
    const chunks: string[][] = [];
    for (let start = 0; start < pks.length; start += BATCH_GET_LIMIT) {
      chunks.push(pks.slice(start, start + BATCH_GET_LIMIT));
    }
    const found = new Map<string, StateItem>();
    await forEachConcurrently(chunks, this.concurrency, async (chunk) => {
      for (const item of await this.batchGet(chunk)) found.set(String(item[hashKey]), item);
    });
    const partitions = new Map<string, PartitionState>();
    for (const key of wanted) {
      const item = found.get(partitionPk(key));
      partitions.set(key, item === undefined ? emptyPartition : decodePartition(item));
    }
    return partitions;
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
   * Commits one transition of `key`: its new state and the rows it produced (`after.pending`), in
   * one PutItem conditioned on `expectedVersion` (the item must not exist for 0). Throws
   * `StateConflictError` when another invocation committed the key since it was read.
   */
  public async commit(key: string, expectedVersion: number, after: PartitionState): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.table,
          Item: encodePartition(key, after),
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
      if (isConditionFailure(error)) {
        throw new StateConflictError(
          `State item ${partitionPk(key)} changed since version ${expectedVersion} was read; ` +
            `another invocation moved it on`,
        );
      }
      throw error;
    }
  }

  /**
   * Forgets the pending rows of `key` once they are in their tables, if the item is still at
   * `version` (a newer commit carries rows of its own, which must stay). Returns whether it did.
   */
  public async clearPending(key: string, version: number): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [hashKey]: partitionPk(key) },
          UpdateExpression: "REMOVE #pending",
          ConditionExpression: "#version = :version",
          ExpressionAttributeNames: { "#pending": "pending", "#version": "version" },
          ExpressionAttributeValues: { ":version": version },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function encodePartition(key: string, state: PartitionState): StateItem {
  return {
    [hashKey]: partitionPk(key),
    windows: JSON.stringify(state.windows ?? []),
    applied: { ...state.applied },
    ...(Object.keys(state.marks).length === 0 ? {} : { marks: { ...state.marks } }),
    ...(state.pending.length === 0 ? {} : { pending: JSON.stringify(state.pending) }),
    version: state.version,
  };
}

function decodePartition(item: StateItem): PartitionState {
  return {
    windows: JSON.parse((item.windows as string | undefined) ?? "[]") as KeyState,
    applied: (item.applied as Record<string, string> | undefined) ?? {},
    marks: (item.marks as Record<string, string> | undefined) ?? {},
    pending: JSON.parse((item.pending as string | undefined) ?? "[]") as PendingRow[],
    version: Number(item.version ?? 0),
  };
}
