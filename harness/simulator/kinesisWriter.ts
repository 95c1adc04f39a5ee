/**
 * Writes records to a Kinesis stream with PutRecords, within the service's limits, retrying what the
 * service did not take. Works against kinesalite and real AWS alike (the client decides where).
 */
import * as timers from "node:timers/promises";
import {
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsResultEntry,
} from "@aws-sdk/client-kinesis";
import { putRecordsLimits } from "./kinesisLimits";

/** One record to put: its bytes and its partition key. */
export interface KinesisEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

export interface KinesisWriterOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** Records per PutRecords call; Kinesis allows at most 500. */
  readonly maxBatchRecords?: number;
  /** Attempts per record (first try included) before the writer gives up. */
  readonly maxAttempts?: number;
  /** First backoff; doubles per attempt, capped at `maxDelayMs`, with full jitter. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the writer did, for the summary. */
export interface KinesisWriteStats {
  calls: number;
  recordsPut: number;
  /** Records the service rejected inside a successful call and that were sent again. */
  retriedRecords: number;
  /** Whole calls refused with a throttling or transient error and sent again. */
  throttledCalls: number;
}

/** Thrown when records still fail after every attempt, or a record breaks a hard limit. */
export class KinesisWriteError extends Error {
  override readonly name = "KinesisWriteError";
}

export { putRecordsLimits };

/** Call-level errors worth retrying: throttling and transient service failures. */
const retryableCallErrors = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "ThrottlingException",
  "KMSThrottlingException",
  "InternalFailure",
  "InternalFailureException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
]);

/**
 * Batches entries into PutRecords calls (at most 500 records and 5 MB each) and sends them in order.
 * Records that a call reports as failed are sent again, after a backoff, before the next batch, so a
 * retried record overtakes nothing that comes after its batch.
 */
export class KinesisWriter {
  readonly stats: KinesisWriteStats = {
    calls: 0,
    recordsPut: 0,
    retriedRecords: 0,
    throttledCalls: 0,
  };
  private readonly maxBatchRecords: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: KinesisWriterOptions) {
    const batch = options.maxBatchRecords ?? putRecordsLimits.maxRecords;
    if (!Number.isInteger(batch) || batch < 1 || batch > putRecordsLimits.maxRecords) {
      throw new KinesisWriteError(
        `maxBatchRecords is ${batch}; expected an integer from 1 to ${putRecordsLimits.maxRecords}`,
      );
    }
    this.maxBatchRecords = batch;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.sleep = options.sleep ?? timers.setTimeout;
  }

  /** Puts every entry, in order; resolves when all are in the stream. */
  async write(entries: readonly KinesisEntry[]): Promise<void> {
    for (const batch of this.batches(entries)) {
      await this.putBatch(batch);
    }
  }

  private *batches(entries: readonly KinesisEntry[]): Generator<KinesisEntry[]> {
    let batch: KinesisEntry[] = [];
    let bytes = 0;
    for (const entry of entries) {
      const size = entrySize(entry);
      if (size > putRecordsLimits.maxRecordBytes) {
        throw new KinesisWriteError(
          `record of ${size} bytes (data + partition key) exceeds the Kinesis limit of ${putRecordsLimits.maxRecordBytes}`,
        );
      }
      if (
        entry.partitionKey.length < 1 ||
        entry.partitionKey.length > putRecordsLimits.maxPartitionKeyLength
      ) {
        throw new KinesisWriteError(
          `partition key ${JSON.stringify(entry.partitionKey)} has ${entry.partitionKey.length} characters; expected 1 to ${putRecordsLimits.maxPartitionKeyLength}`,
        );
      }
      if (
        batch.length === this.maxBatchRecords ||
        bytes + size > putRecordsLimits.maxRequestBytes
      ) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  private async putBatch(batch: KinesisEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const failed = await this.tryPut(pending);
      if (failed === undefined) {
        // The whole call was refused: send the same records again.
        this.stats.throttledCalls++;
      } else if (failed.entries.length === 0) {
        return;
      } else {
        this.stats.retriedRecords += failed.entries.length;
        pending = failed.entries;
        if (attempt >= this.maxAttempts) {
          throw new KinesisWriteError(
            `${failed.entries.length} record(s) still failed after ${attempt} attempts (${failed.codes.join(", ")})`,
          );
        }
      }
      if (failed === undefined && attempt >= this.maxAttempts) {
        throw new KinesisWriteError(`PutRecords still throttled after ${attempt} attempts`);
      }
      await this.sleep(this.backoff(attempt));
    }
  }

  /** Returns the entries that failed (empty when all went in), or undefined if the call was refused. */
  private async tryPut(
    entries: KinesisEntry[],
  ): Promise<{ entries: KinesisEntry[]; codes: string[] } | undefined> {
    this.stats.calls++;
    let results: PutRecordsResultEntry[];
    try {
      const response = await this.options.client.send(
        new PutRecordsCommand({
          StreamName: this.options.streamName,
          Records: entries.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })),
        }),
      );
      results = response.Records ?? [];
    } catch (error) {
      if (error instanceof Error && retryableCallErrors.has(error.name)) return undefined;
      throw error;
    }
    const failed: KinesisEntry[] = [];
    const codes = new Set<string>();
    entries.forEach((entry, i) => {
      const result = results[i];
      // A missing result entry is treated as a failure: never assume a record went in.
      if (result === undefined || result.ErrorCode !== undefined || !result.SequenceNumber) {
        failed.push(entry);
        codes.add(result?.ErrorCode ?? "NoResult");
      }
    });
    this.stats.recordsPut += entries.length - failed.length;
    return { entries: failed, codes: [...codes] };
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(Math.random() * ceiling);
  }
}

function entrySize(entry: KinesisEntry): number {
  return entry.data.byteLength + Buffer.byteLength(entry.partitionKey, "utf8");
}
