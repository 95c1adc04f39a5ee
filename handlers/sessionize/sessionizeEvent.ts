/**
 * The sessionizer's core: one Kinesis event in, the SQL application run over it with durable window
 * state, its rows delivered, the partial-failure answer out.
 *
 * Per shard of the event (the event source mapping sends one shard per batch with
 * `parallelizationFactor: 1`; several are handled one after the other):
 * 1. decode every record and learn its partition key (the record's mapped `user_id`);
 * 2. load the shard's item and the items of those keys (consistent reads);
 * 3. restore them into the application; push the records in sequence order, skipping each record
 *    already applied (its sequence number <= the one stored for its key and shard, or for the shard
 *    when it has no key). ROWTIME = `approximateArrivalTimestamp` in ms, never below the previous
 *    record's of the shard: the chain runs over skipped records too, so a replayed batch gets the
 *    same ROWTIMEs;
 * 4. hand the destination and error_stream rows, typed, to `deliverRows` (idempotent puts);
 * 5. only when every row was delivered, write the state back, conditioned on the versions read.
 *
 * Failure rule: anything that goes wrong for a shard (a row not delivered, a lost condition, DynamoDB
 * unreachable) commits nothing more and reports the shard's first record as the batch item failure,
 * so Lambda retries the whole batch from the same first record. The rows already delivered are
 * written again with the same content, and records whose state was committed are skipped; hence a
 * retried or crashed batch neither loses nor double-applies an event.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type {
  KinesisStreamBatchItemFailure,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from "aws-lambda";
import { deliverRows, type DeliveryLogger, type DeliveryTuning } from "../delivery/deliverRows";
import { DeliveryResult } from "../delivery/event";
import type { DeliveryRow } from "../delivery/typedRow";
import type { KeyedRecord, SessionizeEngine } from "./engine";
import { StateTable, type PartitionState, type ShardRef, type ShardState } from "./stateTable";

export interface SessionizeDeps {
  readonly client: DynamoDBClient;
  readonly engine: SessionizeEngine;
  readonly sessionsTable: string;
  readonly deadLetterTable: string;
  readonly stateTable: string;
  readonly logger: DeliveryLogger;
  /** Milliseconds left in the invocation (Lambda's `context.getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  readonly invocationId: string;
  /** Scopes dead-letter ids (the function's ARN), as the application ARN does for KDA. */
  readonly applicationArn: string;
  readonly tuning?: Partial<DeliveryTuning>;
  /**
   * Called with a shard batch's rows once they are all delivered (before its state is written),
   * for observers such as the local pipeline's reconciliation. A retried batch reports the rows of
   * its unapplied records again, under the same ids.
   */
  readonly onDelivered?: (rows: readonly DeliveredRow[]) => void;
}

/**
 * A delivered row: its id (`shardId:sequence:n`, the same on every retry), the stream it came from
 * and its delivery object, exactly as the engine handed it to `deliverRows`.
 */
export type DeliveredRow = Pick<DeliveryRow, "id" | "stream" | "row">;

/** What happened to one shard's records. */
export interface ShardOutcome {
  readonly shardId: string;
  readonly records: number;
  readonly applied: number;
  readonly skipped: number;
  readonly rowsDelivered: number;
  /** The record Lambda must retry from, or null when the shard's batch is done. */
  readonly failedFrom: string | null;
}

/**
 * `shardId-000000000000` from an eventID `shardId-000000000000:4954...`; the event source ARN
 * names the stream.
 */
export function shardOf(record: KinesisStreamRecord): ShardRef {
  const colon = record.eventID.lastIndexOf(":");
  return {
    streamArn: record.eventSourceARN,
    shardId: colon > 0 ? record.eventID.slice(0, colon) : record.eventID,
  };
}

/** Kinesis sequence numbers are decimal strings up to 128 bits: compare them as BigInt. */
export function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `approximateArrivalTimestamp` (epoch seconds with a fraction) in whole milliseconds. */
export function arrivalMs(record: KinesisStreamRecord): number {
  return Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
}

/** The records of an event grouped by shard, each group in sequence order. */
export function groupByShard(
  records: readonly KinesisStreamRecord[],
): { shard: ShardRef; records: KinesisStreamRecord[] }[] {
  const groups = new Map<string, { shard: ShardRef; records: KinesisStreamRecord[] }>();
  for (const record of records) {
    const shard = shardOf(record);
    const id = `${shard.streamArn}#${shard.shardId}`;
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { shard, records: [] }));
    group.records.push(record);
  }
  for (const group of groups.values()) {
    group.records.sort((a, b) =>
      compareSequence(a.kinesis.sequenceNumber, b.kinesis.sequenceNumber),
    );
  }
  return [...groups.values()];
}

/**
 * Runs one Kinesis event through the SQL application and answers which records Lambda must retry.
 *
 * @example
 * await sessionizeEvent({ Records: [kinesisRecord({ user_id: "user1", ... })] }, deps)
 * // -> { batchItemFailures: [] }   (one session item in the sessions table, the state stored)
 */
export async function sessionizeEvent(
  event: KinesisStreamEvent,
  deps: SessionizeDeps,
): Promise<KinesisStreamBatchResponse> {
  const failures: KinesisStreamBatchItemFailure[] = [];
  const state = new StateTable(deps.client, deps.stateTable);
  for (const group of groupByShard(event.Records ?? [])) {
    const outcome = await sessionizeShard(group.shard, group.records, state, deps);
    if (outcome.failedFrom !== null) failures.push({ itemIdentifier: outcome.failedFrom });
  }
  return { batchItemFailures: failures };
}

/** One shard's records (in sequence order); never throws. */
export async function sessionizeShard(
  shard: ShardRef,
  records: readonly KinesisStreamRecord[],
  state: StateTable,
  deps: SessionizeDeps,
): Promise<ShardOutcome> {
  const first = records[0].kinesis.sequenceNumber;
  const last = records[records.length - 1].kinesis.sequenceNumber;
  const counts = { shardId: shard.shardId, records: records.length, applied: 0, skipped: 0 };
  const fail = (reason: string, details: Record<string, unknown>): ShardOutcome => {
    deps.logger.warn(`shard batch will be retried: ${reason}`, {
      ...counts,
      firstSequence: first,
      ...details,
    });
    return { ...counts, rowsDelivered: 0, failedFrom: first };
  };
  try {
    const decoded: KeyedRecord[] = records.map((record) =>
      deps.engine.decode(Buffer.from(record.kinesis.data, "base64")),
    );
    const keys = new Set<string>();
    for (const record of decoded) if (record.key !== null) keys.add(record.key);
    const loaded = await state.load(shard, keys);
    deps.engine.begin(
      loaded.shard.lastRowtime,
      new Map([...loaded.partitions].map(([key, item]) => [key, item.windows])),
    );

    const rows: DeliveredRow[] = [];
    const appliedUpTo = new Map<string, string>();
    for (let i = 0; i < records.length; i++) {
      const sequence = records[i].kinesis.sequenceNumber;
      const record = decoded[i];
      const arrival = arrivalMs(records[i]);
      const stored =
        record.key === null
          ? loaded.shard.sequence
          : loaded.partitions.get(record.key)!.applied[shard.shardId];
      if (stored !== undefined && stored !== null && compareSequence(sequence, stored) <= 0) {
        counts.skipped += 1;
        deps.engine.skip(arrival);
        continue;
      }
      counts.applied += 1;
      if (record.key !== null) appliedUpTo.set(record.key, sequence);
      deps.engine.push(record, arrival).forEach(({ stream, row }, n) =>
        // The id is unique per row and the same on every retry: shard, record, row's position.
        rows.push({ id: `${shard.shardId}:${sequence}:${n}`, stream, row }),
      );
    }

    const results = await deliverRows(rows, {
      client: deps.client,
      sessionsTable: deps.sessionsTable,
      deadLetterTable: deps.deadLetterTable,
      remainingTimeMs: deps.remainingTimeMs,
      invocationId: deps.invocationId,
      applicationArn: deps.applicationArn,
      logger: deps.logger,
      tuning: deps.tuning,
    });
    const undelivered = [...results.values()].filter((r) => r !== DeliveryResult.Ok).length;
    if (undelivered > 0) return fail("rows not delivered", { undelivered });
    deps.onDelivered?.(rows);

    const windows = deps.engine.stateOf(new Set(appliedUpTo.keys()));
    const partitions = new Map<string, { before: PartitionState; after: PartitionState }>();
    for (const [key, sequence] of appliedUpTo) {
      const before = loaded.partitions.get(key)!;
      partitions.set(key, {
        before,
        after: {
          windows: windows.get(key)!,
          applied: { ...before.applied, [shard.shardId]: sequence },
          version: before.version + 1,
        },
      });
    }
    const shardAfter: ShardState = {
      lastRowtime: deps.engine.lastRowtime,
      sequence:
        loaded.shard.sequence !== null && compareSequence(loaded.shard.sequence, last) > 0
          ? loaded.shard.sequence
          : last,
      version: loaded.shard.version + 1,
    };
    await state.commit(shard, partitions, { before: loaded.shard, after: shardAfter });
    deps.logger.info("shard batch sessionized", { ...counts, rowsDelivered: rows.length });
    return { ...counts, rowsDelivered: rows.length, failedFrom: null };
  } catch (error) {
    return fail("error", {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
}
