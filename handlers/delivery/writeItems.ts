/**
 * Puts items into one table with BatchWriteItem: at most 25 per call, several calls in flight,
 * `UnprocessedItems` and transient errors retried with exponential backoff and full jitter for as
 * long as the invocation's time allows. Never throws: each item ends written, refused by DynamoDB
 * (ValidationException when sent alone, a permanent property of the item) or left unwritten. An
 * error that makes the whole table unusable (missing, access denied) stops the retries at once.
 *
 * The document client marshals the items; the retry loop stays our own because no SDK part does
 * what it must: the SDK retries a failed call but not the items a successful call hands back
 * unprocessed, its retries do not stop at the invocation's remaining time (a Lambda that times out
 * fails every record, written or not), and it cannot find the one item of a batch DynamoDB refuses.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  BatchWriteCommand,
  type BatchWriteWriteRequest,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from "@aws-sdk/lib-dynamodb";
import { forEachConcurrently, jitteredBackoffMs } from "../shared/concurrency";
import { tableLevelErrorNames } from "./tableCheck";

/** DynamoDB's limit of requests in one BatchWriteItem call. */
export const BATCH_WRITE_LIMIT = 25;

export interface PendingWrite {
  /** The item's hash-key value; unique among the writes of one call to `writeItems`. */
  readonly key: string;
  /** The item as plain values: `{ session_id: "...", session_time: "...", user_id: "..." }`. */
  readonly item: Readonly<Record<string, NativeAttributeValue>>;
}

export interface WriteOutcome {
  readonly written: ReadonlySet<string>;
  /** Keys DynamoDB refused with ValidationException when sent alone, with DynamoDB's message. */
  readonly refused: ReadonlyMap<string, string>;
  readonly calls: number;
  readonly retries: number;
  /** The last transient error, for the log line when items stay unwritten. */
  readonly lastError?: string;
  /**
   * The error that made the table unusable (missing, access denied: `tableLevelErrorNames`), when
   * one did; the items it hit stay unwritten at once, without retries.
   */
  readonly tableError?: string;
}

/**
 * The invocation's clock: how long retries may go on, leaving `reserveMs` to answer KDA before
 * Lambda's timeout (an invocation that times out fails every record, written or not).
 */
export class TimeBudget {
  public constructor(
    private readonly remainingTimeMs: () => number,
    private readonly reserveMs: number,
  ) {}

  /** Whether waiting `delayMs` and then calling DynamoDB still leaves the reserve. */
  public allows(delayMs: number): boolean {
    return this.remainingTimeMs() - delayMs > this.reserveMs;
  }

  /** Aborts an in-flight call when only the reserve is left. */
  public signal(): AbortSignal {
    return AbortSignal.timeout(Math.max(1, this.remainingTimeMs() - this.reserveMs));
  }
}

export interface WriteItemsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly table: string;
  /** Name of the table's hash key, to recognise the items DynamoDB hands back unprocessed. */
  readonly keyAttribute: string;
  readonly budget: TimeBudget;
  /** BatchWriteItem calls in flight at once. */
  readonly concurrency: number;
  /** Backoff before retry n (from 1): random in [0, min(capMs, baseMs * 2^n)). */
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
}

/** Writes every item it can; see the module comment. */
export async function writeItems(
  writes: readonly PendingWrite[],
  options: WriteItemsOptions,
): Promise<WriteOutcome> {
  const written = new Set<string>();
  const refused = new Map<string, string>();
  const stats = {
    calls: 0,
    retries: 0,
    lastError: undefined as string | undefined,
    tableError: undefined as string | undefined,
  };

  const writeChunk = async (chunk: readonly PendingWrite[]): Promise<void> => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (stats.tableError !== undefined) return;
      if (attempt > 0) {
        const delay = jitteredBackoffMs(attempt, options.backoff.baseMs, options.backoff.capMs);
        if (!options.budget.allows(delay)) return;
        stats.retries += 1;
        await sleep(delay);
      } else if (!options.budget.allows(0)) {
        return;
      }
      stats.calls += 1;
      let unprocessed: BatchWriteWriteRequest[];
      try {
        const output = await options.client.send(
          new BatchWriteCommand({
            RequestItems: {
              [options.table]: pending.map((write) => ({ PutRequest: { Item: write.item } })),
            },
          }),
          { abortSignal: options.budget.signal() },
        );
        unprocessed = output.UnprocessedItems?.[options.table] ?? [];
      } catch (error) {
        if (errorName(error) === "ValidationException") {
          // One bad item fails the whole call; alone, each item shows whether it is the bad one.
          if (pending.length === 1) {
            refused.set(pending[0].key, errorMessage(error));
            return;
          }
          for (const write of pending) await writeChunk([write]);
          return;
        }
        stats.lastError = `${errorName(error)}: ${errorMessage(error)}`;
        if (tableLevelErrorNames.has(errorName(error))) {
          stats.tableError = stats.lastError;
          return;
        }
        continue;
      }
      const left = new Set<unknown>(
        unprocessed.map((request) => request.PutRequest?.Item?.[options.keyAttribute]),
      );
      for (const write of pending) if (!left.has(write.key)) written.add(write.key);
      pending = pending.filter((write) => left.has(write.key));
    }
  };

  const chunks: PendingWrite[][] = [];
  for (let start = 0; start < writes.length; start += BATCH_WRITE_LIMIT) {
    chunks.push(writes.slice(start, start + BATCH_WRITE_LIMIT));
  }
  await forEachConcurrently(chunks, options.concurrency, writeChunk);
  return { written, refused, ...stats };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
