/**
 * The local pipeline's `lambda` engine: does what the Lambda event source mapping does in AWS. Per
 * shard, one batch at a time (parallelization factor 1), it reads batches of up to `batchSize`
 * records through the stream reader, turns each into a real Kinesis event and invokes the
 * sessionizer (the function behind `handlers/sessionize-stream.ts`), which runs the SQL with its
 * state in the state table and writes the sessions itself. A batch answered with a batch item
 * failure is read again from the failed record after a pause, as the mapping retries it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent } from "aws-lambda";
import { SessionizeEngine } from "../../handlers/sessionize/engine";
import {
  sessionizeEvent,
  type DeliveredRow,
  type SessionizeDeps,
} from "../../handlers/sessionize/sessionizeEvent";
import type { DeliveryLogger } from "../../handlers/delivery/deliverRows";
import {
  waitForRecordCount,
  type EngineContext,
  type EngineDefinition,
  type EngineRunner,
  type EngineStats,
} from "./engineRunner";
import { kinesisEventRecord } from "./kinesisEvents";
import { localDynamoClient, localTables } from "./localStack";
import { MemoryCheckpointStore, StreamReader } from "./streamReader";

/** The mapping's default batch size. */
const defaultBatchSize = 100;

/** Pause between reads of a shard that found nothing new; a failed batch waits four times that. */
const idlePollMs = 50;

const silentLogger: DeliveryLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The event source mapping, in process, invoking the sessionizer. */
export class LambdaRunner implements EngineRunner {
  private readonly counters = {
    recordsRead: 0,
    invocations: 0,
    failedInvocations: 0,
    redeliveries: 0,
    rowsByStream: {} as Record<string, number>,
  };
  private readonly reader: StreamReader;
  private readonly dynamo: DynamoDBClient;
  private readonly engine: SessionizeEngine;
  private readonly seenRows = new Set<string>();
  private running = false;
  private started: Promise<void> = Promise.resolve();
  private loops: Promise<void>[] = [];
  private failure: unknown;

  constructor(private readonly context: EngineContext) {
    this.reader = new StreamReader({
      client: context.kinesis,
      streamName: context.streamName,
      checkpoints: new MemoryCheckpointStore(),
    });
    // Through the context's endpoint (the outage proxy), so an outage reaches the sessionizer.
    this.dynamo = localDynamoClient(context.dynamoEndpoint);
    // One container for the whole run, as a warm function would be.
    this.engine = new SessionizeEngine({
      sqlText: context.sqlText,
      inputSchema: context.inputSchema,
    });
  }

  get stats(): EngineStats {
    // The sessionizer has delivered its rows before it answers: nothing is ever left undelivered.
    return { ...this.counters, undelivered: 0 };
  }

  start(): void {
    this.running = true;
    const fail = (error: unknown): void => {
      this.failure = error;
      this.running = false;
    };
    this.started = this.reader.openShards().then((shardIds) => {
      this.loops = shardIds.map((shardId) => this.consume(shardId).catch(fail));
    }, fail);
  }

  async waitForRecords(count: number, timeoutMs: number): Promise<void> {
    await waitForRecordCount(
      () => ({
        recordsRead: this.counters.recordsRead,
        running: this.running,
        failure: this.failure,
      }),
      { count, timeoutMs, pollMs: idlePollMs, consumedAs: "sessionized" },
    );
  }

  async drain(
    _timeoutMs: number,
    onProgress: (delivered: number, total: number) => void,
  ): Promise<void> {
    const rows = Object.values(this.counters.rowsByStream).reduce((n, c) => n + c, 0);
    onProgress(rows, rows);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.started;
    await Promise.all(this.loops);
    this.dynamo.destroy();
  }

  /** One shard's loop: one batch in flight, retried from the failed record until it succeeds. */
  private async consume(shardId: string): Promise<void> {
    const batchSize = this.context.batchSize ?? defaultBatchSize;
    while (this.running && !this.reader.hasEnded(shardId)) {
      const records = await this.reader.readBatch(shardId, batchSize);
      if (records.length === 0) {
        await sleep(idlePollMs);
        continue;
      }
      const event: KinesisStreamEvent = {
        Records: records.map((record) =>
          kinesisEventRecord(record, this.context.streamArn, this.context.region),
        ),
      };
      this.counters.invocations++;
      const answer = await sessionizeEvent(
        event,
        this.deps(Date.now() + this.context.functionTimeoutMs),
      );
      const failed = answer.batchItemFailures[0]?.itemIdentifier;
      // Records before the failed one are done; the mapping resumes at the failed one.
      const done =
        failed === undefined
          ? records.length
          : Math.max(
              0,
              records.findIndex((r) => r.sequenceNumber === failed),
            );
      this.reader.checkpoint(records.slice(0, done));
      this.counters.recordsRead += done;
      if (done === records.length) continue;
      this.counters.failedInvocations++;
      this.counters.redeliveries += records.length - done;
      this.reader.resetIterators(shardId);
      await sleep(idlePollMs * 4);
    }
  }

  private deps(deadline: number): SessionizeDeps {
    const { tables, region } = this.context;
    return {
      client: this.dynamo,
      engine: this.engine,
      ...tables,
      logger: silentLogger,
      remainingTimeMs: () => deadline - Date.now(),
      invocationId: `local-${this.counters.invocations}`,
      applicationArn: `arn:aws:lambda:${region}:000000000000:function:sessionize-stream-local`,
      onDelivered: (rows) => this.delivered(rows),
    };
  }

  /** Counts and hands on the rows of a delivered batch; a retried batch's rows come once. */
  private delivered(rows: readonly DeliveredRow[]): void {
    const fresh = rows.filter((row) => !this.seenRows.has(row.id));
    for (const { id, stream } of fresh) {
      this.seenRows.add(id);
      this.counters.rowsByStream[stream] = (this.counters.rowsByStream[stream] ?? 0) + 1;
    }
    if (fresh.length > 0) this.context.onRows(fresh);
  }
}

/** The `lambda` engine: what the Pulumi program deploys with `engine: lambda`. */
export const lambdaEngine: EngineDefinition = {
  description:
    "the sessionizer Lambda (handlers/sessionize-stream.ts) gets the stream's records as Kinesis " +
    "events, one batch of --batch-size per shard at a time, keeps its window state in a dynalite " +
    "state table and writes the sessions itself",
  tables: [localTables.state],
  createRunner: (context) => new LambdaRunner(context),
};
