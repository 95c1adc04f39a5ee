/**
 * The local pipeline's `lambda` engine: does what the Lambda event source mapping does in AWS. Per
 * shard, one batch at a time (parallelization factor 1), it reads GetRecords batches from the
 * stream, turns each into a real Kinesis event and invokes the sessionizer (the function behind
 * `handlers/sessionize-stream.ts`), which runs the SQL with its state in the state table and
 * writes the sessions itself. A batch answered with a batch item failure is read again from the
 * failed sequence number after a pause, as the mapping retries it.
 */
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { SessionizeEngine } from "../../handlers/sessionize/engine";
import {
  sessionizeEvent,
  type DeliveredRow,
  type SessionizeDeps,
} from "../../handlers/sessionize/sessionizeEvent";
import type { DeliveryLogger } from "../../handlers/delivery/deliverRows";
import { setTimeout as sleep } from "node:timers/promises";
import { waitForRecordCount, type ApplicationRunner, type RunnerStats } from "./applicationRunner";
import { kinesisEventRecord } from "./kinesisEvents";

/** Counters of the lambda runner beyond the common ones. */
export interface LambdaRunnerStats extends RunnerStats {
  invocations: number;
  /** Invocations that answered a batch item failure. */
  failedInvocations: number;
  /** Records read again after their batch failed. */
  redeliveries: number;
}

export interface LambdaEngineRunnerOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly region: string;
  /** The client the sessionizer writes with (the pipeline passes one behind its outage proxy). */
  readonly dynamo: DynamoDBClient;
  readonly tables: {
    readonly sessionsTable: string;
    readonly deadLetterTable: string;
    readonly stateTable: string;
  };
  /** Receives every delivered row; a row of a retried batch may come again under the same id. */
  readonly onDelivered: (rows: readonly DeliveredRow[]) => void;
  /** Records per batch, as the mapping's `batchSize` (default 100). */
  readonly batchSize?: number;
  /** Pause between polls of a shard that found nothing new, and before a retry. */
  readonly idlePollMs?: number;
  /** The function's timeout: the delivery's retries stop one second before it. */
  readonly functionTimeoutMs?: number;
  readonly sqlText?: string;
}

const silentLogger: DeliveryLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The event source mapping, in process, for the local pipeline. */
export class LambdaEngineRunner implements ApplicationRunner {
  readonly name = "lambda (event source mapping)";
  readonly stats: LambdaRunnerStats = {
    recordsRead: 0,
    polls: 0,
    rowsByStream: {},
    invocations: 0,
    failedInvocations: 0,
    redeliveries: 0,
  };
  private running = false;
  private started: Promise<void> = Promise.resolve();
  private loops: Promise<void>[] = [];
  private failure: unknown;
  private readonly engine: SessionizeEngine;
  private readonly seenRows = new Set<string>();

  constructor(private readonly options: LambdaEngineRunnerOptions) {
    // One container for the whole run, as a warm function would be.
    this.engine = new SessionizeEngine(options.sqlText ? { sqlText: options.sqlText } : {});
  }

  start(): void {
    this.running = true;
    this.started = this.shards().then(
      ({ streamArn, shardIds }) => {
        this.loops = shardIds.map((shardId) =>
          this.consume(streamArn, shardId).catch((error: unknown) => {
            this.failure = error;
            this.running = false;
          }),
        );
      },
      (error: unknown) => {
        this.failure = error;
        this.running = false;
      },
    );
  }

  async waitForRecords(count: number, timeoutMs: number): Promise<void> {
    await waitForRecordCount(
      () => ({ stats: this.stats, running: this.running, failure: this.failure }),
      { count, timeoutMs, pollMs: this.options.idlePollMs ?? 50, consumedAs: "sessionized" },
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.started;
    await Promise.all(this.loops);
  }

  private async shards(): Promise<{ streamArn: string; shardIds: string[] }> {
    const { kinesis, streamName } = this.options;
    const summary = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: streamName }),
    );
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    return {
      streamArn: summary.StreamDescriptionSummary?.StreamARN ?? streamName,
      shardIds: (Shards ?? []).map((shard) => shard.ShardId as string),
    };
  }

  private async iterator(shardId: string, from?: string): Promise<string | undefined> {
    const { ShardIterator } = await this.options.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.options.streamName,
        ShardId: shardId,
        ...(from === undefined
          ? { ShardIteratorType: "TRIM_HORIZON" }
          : { ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: from }),
      }),
    );
    return ShardIterator;
  }

  /** One shard's loop: one batch in flight, retried from the failed record until it succeeds. */
  private async consume(streamArn: string, shardId: string): Promise<void> {
    const idle = this.options.idlePollMs ?? 50;
    const timeoutMs = this.options.functionTimeoutMs ?? 60_000;
    let iterator = await this.iterator(shardId);
    while (this.running && iterator !== undefined) {
      const page = await this.options.kinesis.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize ?? 100 }),
      );
      this.stats.polls++;
      const records = page.Records ?? [];
      if (records.length === 0) {
        iterator = page.NextShardIterator;
        await sleep(idle);
        continue;
      }
      const event: KinesisStreamEvent = {
        Records: records.map((r) => kinesisEventRecord(r, shardId, streamArn, this.options.region)),
      };
      const deadline = Date.now() + timeoutMs;
      this.stats.invocations++;
      const answer = await sessionizeEvent(event, this.deps(deadline));
      const failed = answer.batchItemFailures[0]?.itemIdentifier;
      if (failed === undefined) {
        this.stats.recordsRead += records.length;
        iterator = page.NextShardIterator;
        continue;
      }
      // Records before the failed one are done; the mapping resumes at the failed one.
      const done = records.findIndex((r) => r.SequenceNumber === failed);
      this.stats.recordsRead += Math.max(0, done);
      this.stats.failedInvocations++;
      this.stats.redeliveries += records.length - Math.max(0, done);
      await sleep(idle * 4);
      iterator = await this.iterator(shardId, failed);
    }
  }

  private deps(deadline: number): SessionizeDeps {
    return {
      client: this.options.dynamo,
      engine: this.engine,
      ...this.options.tables,
      logger: silentLogger,
      remainingTimeMs: () => deadline - Date.now(),
      invocationId: `local-${this.stats.invocations}`,
      applicationArn: `arn:aws:lambda:${this.options.region}:000000000000:function:sessionize-stream-local`,
      onDelivered: (rows) => {
        const fresh = rows.filter((row) => !this.seenRows.has(row.id));
        for (const row of fresh) {
          this.seenRows.add(row.id);
          this.stats.rowsByStream[row.stream] = (this.stats.rowsByStream[row.stream] ?? 0) + 1;
        }
        if (fresh.length > 0) this.options.onDelivered(fresh);
      },
    };
  }
}
