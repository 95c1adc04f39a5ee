/**
 * One application output to a Lambda function, delivered the way Kinesis Data Analytics does it
 * (`docs/semantics.md`, "Output to Lambda"): rows are batched and the function is invoked about once a
 * second; a batch is split to stay under Lambda's 6 MB payload; records answered `DeliveryFailed`,
 * or not answered at all, are redelivered with `retryHint` + 1 after a backoff, and until they are
 * delivered nothing newer is sent, so one record that always fails blocks the output.
 */
import { randomUUID } from "crypto";
import type {
  KinesisAnalyticsOutputDeliveryEvent,
  KinesisAnalyticsOutputDeliveryResponse,
} from "../../handlers/delivery/event";

/** The event KDA sends to a Lambda output (`data` is base64 of one row as JSON). */
export type DeliveryEvent = KinesisAnalyticsOutputDeliveryEvent;

/** What the function answers, per record. */
export type DeliveryResponse = KinesisAnalyticsOutputDeliveryResponse;

/** Invokes the destination function. A rejection counts as every record failing. */
export type DeliverFunction = (event: DeliveryEvent) => Promise<DeliveryResponse>;

export interface DeliveryOutputOptions {
  /** The in-application stream this output drains (for messages and record ids). */
  readonly streamName: string;
  readonly applicationArn: string;
  readonly deliver: DeliverFunction;
  /** Time between invocations; KDA's is about one second. */
  readonly intervalMs?: number;
  /** Largest event, in bytes of JSON; Lambda's synchronous payload limit is 6 MB. */
  readonly maxPayloadBytes?: number;
  /** First redelivery delay; doubles per consecutive failed invocation up to `retryMaxMs`. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
}

/** Counters of one output, for the summary. */
export interface DeliveryStats {
  rowsQueued: number;
  rowsDelivered: number;
  invocations: number;
  /** Invocations in which at least one record was not delivered (including rejected calls). */
  failedInvocations: number;
  /** Records sent again after a failed delivery (one per record per retry). */
  redeliveries: number;
  /** The highest `retryHint` any record was sent with. */
  maxRetryHint: number;
}

interface PendingRecord {
  readonly recordId: string;
  readonly data: string;
  retryHint: number;
}

/** Lambda's 6 MB request limit (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). */
export const lambdaPayloadLimitBytes = 6 * 1024 * 1024;

/** JSON bytes one record adds to an event, besides its data and id. */
const recordOverheadBytes = 80;
const eventOverheadBytes = 200;

/** Delivers the rows of one in-application stream to one function. */
export class DeliveryOutput {
  readonly stats: DeliveryStats = {
    rowsQueued: 0,
    rowsDelivered: 0,
    invocations: 0,
    failedInvocations: 0,
    redeliveries: 0,
    maxRetryHint: 0,
  };
  private readonly queue: PendingRecord[] = [];
  private failed: PendingRecord[] = [];
  private consecutiveFailures = 0;
  private retryAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private nextRecord = 0;
  private readonly intervalMs: number;
  private readonly maxPayloadBytes: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly idPrefix = randomUUID();

  constructor(private readonly options: DeliveryOutputOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? lambdaPayloadLimitBytes;
    this.retryBaseMs = options.retryBaseMs ?? this.intervalMs;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
  }

  /** Queues one row (its JSON as base64) for delivery. */
  enqueue(data: string): void {
    const recordId = `${this.idPrefix}:${this.options.streamName}:${this.nextRecord++}`;
    if (eventBytes([{ recordId, data }]) > this.maxPayloadBytes) {
      throw new RangeError(
        `a row of ${data.length} base64 characters cannot fit in a ${this.maxPayloadBytes}-byte Lambda payload`,
      );
    }
    this.queue.push({ recordId, data, retryHint: 0 });
    this.stats.rowsQueued++;
  }

  /** True when every queued row has been delivered and no invocation is running. */
  get idle(): boolean {
    return this.queue.length === 0 && this.failed.length === 0 && this.inFlight === undefined;
  }

  /** Records waiting, counting those waiting for redelivery. */
  get backlog(): number {
    return this.queue.length + this.failed.length;
  }

  /** Starts invoking every `intervalMs`. */
  start(): void {
    const loop = (): void => {
      this.inFlight = this.deliverDue().finally(() => {
        this.inFlight = undefined;
        if (this.timer !== undefined) this.timer = setTimeout(loop, this.intervalMs);
      });
    };
    this.timer = setTimeout(loop, this.intervalMs);
  }

  /** Stops the timer and waits for a running invocation. Undelivered rows stay queued. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /**
   * One tick: redelivers the failed records if their backoff has passed; otherwise sends the queue,
   * in as many invocations as the payload limit needs, stopping at the first failure.
   */
  async deliverDue(now: () => number = Date.now): Promise<void> {
    if (this.failed.length > 0) {
      if (now() < this.retryAt) return;
      const batch = this.takeBatch(this.failed);
      this.stats.redeliveries += batch.length;
      await this.invoke(batch, now);
      return;
    }
    while (this.queue.length > 0 && this.failed.length === 0) {
      await this.invoke(this.takeBatch(this.queue), now);
    }
  }

  private takeBatch(source: PendingRecord[]): PendingRecord[] {
    let bytes = eventOverheadBytes;
    let count = 0;
    while (count < source.length) {
      const size = recordBytes(source[count]);
      if (count > 0 && bytes + size > this.maxPayloadBytes) break;
      bytes += size;
      count++;
    }
    return source.splice(0, count);
  }

  private async invoke(batch: PendingRecord[], now: () => number): Promise<void> {
    const event: DeliveryEvent = {
      invocationId: randomUUID(),
      applicationArn: this.options.applicationArn,
      records: batch.map((r) => ({
        recordId: r.recordId,
        lambdaDeliveryRecordMetadata: { retryHint: r.retryHint },
        data: r.data,
      })),
    };
    this.stats.invocations++;
    for (const record of batch) {
      this.stats.maxRetryHint = Math.max(this.stats.maxRetryHint, record.retryHint);
    }
    let answers = new Map<string, string>();
    try {
      const response = await this.options.deliver(event);
      answers = new Map(response.records.map((r) => [r.recordId, r.result]));
    } catch {
      // A failed invocation (error, timeout, throttle) leaves every record unanswered.
    }
    // A missing or unknown record id counts as failed, as KDA treats it.
    const failed = batch.filter((record) => answers.get(record.recordId) !== "Ok");
    this.stats.rowsDelivered += batch.length - failed.length;
    if (failed.length === 0) {
      this.consecutiveFailures = 0;
      return;
    }
    this.stats.failedInvocations++;
    this.consecutiveFailures++;
    for (const record of failed) record.retryHint++;
    // Failed records go back ahead of anything not yet retried, keeping their order.
    this.failed = [...failed, ...this.failed];
    this.retryAt =
      now() + Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (this.consecutiveFailures - 1));
  }
}

function recordBytes(record: { recordId: string; data: string }): number {
  return record.data.length + record.recordId.length + recordOverheadBytes;
}

function eventBytes(records: { recordId: string; data: string }[]): number {
  return records.reduce((sum, r) => sum + recordBytes(r), eventOverheadBytes);
}
