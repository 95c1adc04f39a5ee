/**
 * Redrive: the way back after an outage (`npm run redrive`). When the event source mapping gives up
 * on a batch (after `maximumRetryAttempts` or `maximumRecordAgeSeconds`), it sends the batch's shard
 * and sequence range to the failed-batches queue and moves on; the sessionizer notes the skipped
 * range in the shard's state item when the next batch comes. Redrive takes each queued message,
 * reads the range's records again from the stream (while the stream still retains them), pushes
 * them through the sessionizer in `redrive` mode, and deletes the message only once every record
 * is applied and its rows are written.
 *
 * What a redriven click means for sessions (docs/engines.md, "Redrive"): it arrives late. The
 * user's later clicks were applied meanwhile, so the redriven click is compared with the user's
 * latest one; records of the range that were applied before the mapping gave up are skipped (the
 * key's mark of the range says which), so nothing is applied twice. Running redrive again on the
 * same message changes nothing.
 *
 * Works against AWS (`SqsQueue`, a Kinesis and a DynamoDB client) and against the local emulators
 * (any `FailedBatchQueue`), which is how the tests drive it. `npm run replay -- --from-queue` reads
 * the same messages and ranges (`orderedBatches`, `readRange`) without applying or deleting them.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import type { KinesisStreamEvent } from "aws-lambda";
import {
  compareSequence,
  sessionizeEvent,
  type SessionizeDeps,
} from "../../handlers/sessionize/sessionizeEvent";
import { shardPk, StateTable, type SequenceRange } from "../../handlers/sessionize/stateTable";
import { kinesisEventRecord } from "./kinesisEvents";
import { toStreamRecord, type StreamRecord } from "./streamReader";

/** A message of the failed-batches queue. */
export interface QueuedMessage {
  readonly id: string;
  readonly receiptHandle: string;
  readonly body: string;
}

/** The failed-batches queue: SQS in AWS (`SqsQueue`), anything alike in tests. */
export interface FailedBatchQueue {
  /** Up to `max` messages, hidden from other readers while they are worked on. */
  receive(max: number): Promise<QueuedMessage[]>;
  delete(message: QueuedMessage): Promise<void>;
}

/** The failed-batches queue as replay reads it: every message, each left in the queue. */
export interface BrowsableQueue {
  browse(): Promise<QueuedMessage[]>;
}

/** What the event source mapping says about a batch it gave up on (`KinesisBatchInfo`). */
export interface FailedBatch {
  readonly streamArn: string;
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
}

/** Thrown for a message that is not an event source mapping's record of a failed Kinesis batch. */
export class FailedBatchFormatError extends Error {
  public override readonly name = "FailedBatchFormatError";
}

const sequencePattern = /^\d{1,128}$/;

/**
 * Reads the batch out of an on-failure message:
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 *
 * @example
 * parseFailedBatch('{"KinesisBatchInfo":{"shardId":"shardId-000000000000","startSequenceNumber":"4960","endSequenceNumber":"4970","streamArn":"arn:aws:kinesis:us-west-2:1:stream/s"}}')
 * // -> { streamArn: "arn:aws:kinesis:us-west-2:1:stream/s", shardId: "shardId-000000000000", startSequenceNumber: "4960", endSequenceNumber: "4970" }
 */
export function parseFailedBatch(body: string): FailedBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new FailedBatchFormatError(`message body is not JSON: ${body.slice(0, 80)}`);
  }
  const info = (parsed as { KinesisBatchInfo?: unknown } | null)?.KinesisBatchInfo;
  if (typeof info !== "object" || info === null) {
    throw new FailedBatchFormatError(
      "message has no KinesisBatchInfo; expected an event source mapping's on-failure record of a Kinesis batch",
    );
  }
  const fields = info as Record<string, unknown>;
  const text = (field: string, pattern: RegExp, allowed: string): string => {
    const value = fields[field];
    if (typeof value !== "string" || !pattern.test(value)) {
      throw new FailedBatchFormatError(
        `KinesisBatchInfo.${field} is ${JSON.stringify(value)}; expected ${allowed}`,
      );
    }
    return value;
  };
  const batch = {
    streamArn: text("streamArn", /^arn:aws[a-z-]*:kinesis:[^:]+:\d*:stream\/.+$/, "a stream ARN"),
    shardId: text("shardId", /^shardId-\d+$/, "a shard id (shardId-000000000000)"),
    startSequenceNumber: text("startSequenceNumber", sequencePattern, "a sequence number"),
    endSequenceNumber: text("endSequenceNumber", sequencePattern, "a sequence number"),
  };
  if (compareSequence(batch.startSequenceNumber, batch.endSequenceNumber) > 0) {
    throw new FailedBatchFormatError(
      `KinesisBatchInfo.startSequenceNumber ${batch.startSequenceNumber} is after endSequenceNumber ${batch.endSequenceNumber}`,
    );
  }
  return batch;
}

/** The stream's name in its ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function streamNameOf(streamArn: string): string {
  return streamArn.slice(streamArn.indexOf(":stream/") + ":stream/".length);
}

/** What became of one message. */
export interface RedriveOutcome {
  readonly messageId: string;
  /**
   * `redriven`: every record applied, the message deleted; `expired`: the stream no longer holds
   * the range's first record (kept; nothing can bring those records back); `failed`: the
   * sessionizer could not apply them now (kept, for a later run); `malformed`: not a failed-batch
   * record (kept).
   */
  readonly result: "redriven" | "expired" | "failed" | "malformed";
  readonly batch?: FailedBatch;
  /** Records read from the stream for the range. */
  readonly records: number;
  readonly detail?: string;
}

export interface RedriveOptions {
  readonly queue: FailedBatchQueue;
  readonly kinesis: KinesisClient;
  /**
   * The sessionizer, as the deployed function runs it (its tables, its SQL application, and as
   * `applicationArn` the function's ARN, which scopes dead-letter ids).
   */
  readonly sessionizer: Omit<SessionizeDeps, "invocationId" | "remainingTimeMs">;
  readonly region: string;
  /** Messages to take at most (default: until the queue answers none). */
  readonly maxMessages?: number;
  /** Records per sessionizer call (default 100, the mapping's default batch size). */
  readonly batchSize?: number;
  /** Attempts per call before a message is left for a later run (default 3). */
  readonly attempts?: number;
  /** Called once per message, as it is done. */
  readonly onOutcome?: (outcome: RedriveOutcome) => void;
}

/** Works through the queue and returns what became of each message taken. */
export async function redrive(options: RedriveOptions): Promise<RedriveOutcome[]> {
  const outcomes: RedriveOutcome[] = [];
  const max = options.maxMessages ?? Number.POSITIVE_INFINITY;
  const state = new StateTable(options.sessionizer.client, options.sessionizer.stateTable);
  while (outcomes.length < max) {
    const messages = await options.queue.receive(Math.min(10, max - outcomes.length));
    if (messages.length === 0) break;
    // In shard and sequence order, so the ranges of one shard are applied as they were skipped.
    for (const { message, batch } of orderedBatches(messages)) {
      const outcome =
        batch instanceof FailedBatchFormatError
          ? {
              messageId: message.id,
              result: "malformed" as const,
              records: 0,
              detail: batch.message,
            }
          : await redriveOne(message, batch, state, options);
      if (outcome.result === "redriven") await options.queue.delete(message);
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  }
  return outcomes;
}

/** A message with the batch it names, or why it names none. */
export interface MessageBatch {
  readonly message: QueuedMessage;
  readonly batch: FailedBatch | FailedBatchFormatError;
}

/**
 * The messages' batches, in shard and sequence order (the order the mapping skipped them in); a
 * message that is no failed-batch record carries its `FailedBatchFormatError` instead.
 */
export function orderedBatches(messages: readonly QueuedMessage[]): MessageBatch[] {
  return messages
    .map((message) => ({ message, batch: tryParse(message.body) }))
    .sort((a, b) => compareBatches(a.batch, b.batch));
}

function tryParse(body: string): FailedBatch | FailedBatchFormatError {
  try {
    return parseFailedBatch(body);
  } catch (error) {
    if (error instanceof FailedBatchFormatError) return error;
    throw error;
  }
}

function compareBatches(
  a: FailedBatch | FailedBatchFormatError,
  b: FailedBatch | FailedBatchFormatError,
): number {
  if (a instanceof FailedBatchFormatError || b instanceof FailedBatchFormatError) return 0;
  const byShard = `${a.streamArn}#${a.shardId}`.localeCompare(`${b.streamArn}#${b.shardId}`);
  return byShard !== 0 ? byShard : compareSequence(a.startSequenceNumber, b.startSequenceNumber);
}

/** One message: the range's records, through the sessionizer in order; never throws for data. */
async function redriveOne(
  message: QueuedMessage,
  batch: FailedBatch,
  state: StateTable,
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  const base = { messageId: message.id, batch };
  const shard = { streamArn: batch.streamArn, shardId: batch.shardId };
  const records = await readRange(options.kinesis, batch);
  if (records === null) {
    return {
      ...base,
      result: "expired",
      records: 0,
      detail: `the stream no longer holds ${batch.startSequenceNumber} of ${batch.shardId}`,
    };
  }
  // The range as the sessionizer noted it when the mapping skipped it (its marks are keyed by it);
  // a range it never saw (no attempt ever reached the function) is keyed by the message's start.
  const gap = (await state.gapsOf(shard)).find(
    (g) =>
      compareSequence(g.from, batch.endSequenceNumber) <= 0 &&
      compareSequence(g.to, batch.startSequenceNumber) >= 0,
  );
  const range: SequenceRange = {
    first: gap?.from ?? batch.startSequenceNumber,
    last: gap?.to ?? batch.endSequenceNumber,
  };
  const size = options.batchSize ?? 100;
  const invocationId = `redrive-${process.pid}-${Date.now()}-${message.id}`;
  for (let start = 0; start < records.length; start += size) {
    const event: KinesisStreamEvent = {
      Records: records
        .slice(start, start + size)
        .map((record) => kinesisEventRecord(record, batch.streamArn, options.region)),
    };
    const failed = await applyWithRetries(event, range, invocationId, options);
    if (failed !== null) {
      return {
        ...base,
        result: "failed",
        records: records.length,
        detail: `the sessionizer could not apply ${failed} and later records; run redrive again`,
      };
    }
  }
  if (gap !== undefined) await state.closeGap(shardPk(shard), gap.from);
  return { ...base, result: "redriven", records: records.length };
}

/** Applies one event, again from the failed record while attempts last; the failed one or null. */
async function applyWithRetries(
  event: KinesisStreamEvent,
  range: SequenceRange,
  invocationId: string,
  options: RedriveOptions,
): Promise<string | null> {
  let records = event.Records;
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const answer = await sessionizeEvent(
      { Records: records },
      {
        ...options.sessionizer,
        invocationId: `${invocationId}-${attempt}`,
        remainingTimeMs: () => 60_000,
      },
      { kind: "redrive", range },
    );
    const failed = answer.batchItemFailures[0]?.itemIdentifier;
    if (failed === undefined) return null;
    if (attempt >= attempts) return failed;
    records = records.slice(records.findIndex((r) => r.kinesis.sequenceNumber === failed));
    await sleep(1_000 * attempt);
  }
}

/**
 * The records of the batch's range, read again from its shard; null when the stream no longer
 * holds the range's first record (it is past the stream's retention).
 */
export async function readRange(
  kinesis: KinesisClient,
  batch: FailedBatch,
): Promise<StreamRecord[] | null> {
  let iterator: string | undefined;
  try {
    ({ ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamNameOf(batch.streamArn),
        ShardId: batch.shardId,
        ShardIteratorType: "AT_SEQUENCE_NUMBER",
        StartingSequenceNumber: batch.startSequenceNumber,
      }),
    ));
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "InvalidArgumentException" || name === "ResourceNotFoundException") return null;
    throw error;
  }
  const records: StreamRecord[] = [];
  for (let empty = 0; iterator !== undefined && empty < 5;) {
    const page = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
    );
    const read = (page.Records ?? []).map((r) => toStreamRecord(batch.shardId, r));
    if (
      records.length === 0 &&
      read.length > 0 &&
      read[0].sequenceNumber !== batch.startSequenceNumber
    ) {
      return null;
    }
    for (const record of read) {
      if (compareSequence(record.sequenceNumber, batch.endSequenceNumber) > 0) return records;
      records.push(record);
    }
    if (read.length === 0) {
      // An empty page is not the end while the shard has records behind the iterator.
      if (page.MillisBehindLatest === 0) break;
      empty += 1;
    }
    iterator = page.NextShardIterator;
  }
  return records.length > 0 ? records : null;
}
