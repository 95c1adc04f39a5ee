/**
 * The local pipeline's `kda-sql` engine, as Kinesis Data Analytics runs it: the SQL application (the
 * harness) reads the stream like a KDA input, and each of its outputs delivers its rows to the real
 * delivery Lambda (`handlers/deliver-sessions.ts`) the way KDA does, which writes the tables.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { loadApplication, rowToDeliveryObject, type Row, type StreamInfo } from "../emulator";
import { encodeRecordData } from "../../handlers/delivery/recordData";
import type { TypedRow } from "../../handlers/delivery/typedRow";
import { deliveredStreams, handlerEnvironment, type DeliveredStream } from "../../sql/contracts";
import { PollingApplicationRunner } from "./applicationRunner";
import { chaoticDelivery } from "./chaos";
import { loadDeliveryHandler, type LoadedHandler } from "./deliveryHandler";
import { DeliveryOutput } from "./deliveryOutput";
import type { EngineContext, EngineDefinition, EngineRunner, EngineStats } from "./engineRunner";
import { localAws, localNames } from "./localStack";
import { MemoryCheckpointStore, StreamReader } from "./streamReader";

/** The application outputs wired to the Lambda, as the Pulumi program wires them. */
export const localOutputs = deliveredStreams;

/** The ARN the local application's deliveries name (the handler scopes dead-letter ids by it). */
const applicationArn = `arn:aws:kinesisanalytics:${localAws.region}:000000000000:application/${localNames.application}`;

/** Pause between checks of the outputs while draining them. */
const drainPollMs = 50;

/** The SQL application reading the stream, with one KDA-style output per delivered stream. */
export class KdaSqlRunner implements EngineRunner {
  private readonly application: PollingApplicationRunner;
  private readonly outputs: DeliveryOutput[];
  private readonly handler: LoadedHandler;

  constructor(context: EngineContext) {
    // The SQL first: if it does not load, nothing else has been set up (the handler sets env vars).
    const application = loadApplication(context.sqlText, { inputSchema: context.inputSchema });
    this.handler = loadDeliveryHandler(
      {
        [handlerEnvironment.sessionsTable]: context.tables.sessionsTable,
        [handlerEnvironment.deadLetterTable]: context.tables.deadLetterTable,
        AWS_ENDPOINT_URL_DYNAMODB: context.dynamoEndpoint,
        AWS_REGION: context.region,
        AWS_ACCESS_KEY_ID: localAws.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: localAws.credentials.secretAccessKey,
        // The function's logs would bury the run's output; set it yourself to see them.
        POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
        // Nor its EMF metric lines, which only CloudWatch reads.
        POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
      },
      context.functionTimeoutMs,
    );
    const deliver = context.chaos
      ? chaoticDelivery(this.handler.deliver, context.chaos.seed, context.chaos.stats)
      : this.handler.deliver;
    const outputs = new Map<string, DeliveryOutput>(
      localOutputs.map((streamName) => [
        streamName,
        new DeliveryOutput({
          streamName,
          applicationArn,
          deliver,
          intervalMs: context.deliveryIntervalMs,
        }),
      ]),
    );
    this.outputs = [...outputs.values()];
    const onRows = (rows: readonly Row[]): void => {
      const sent: TypedRow[] = [];
      for (const row of rows) {
        const output = outputs.get(row.stream);
        if (output === undefined) continue;
        const info = application.streams.get(row.stream) as StreamInfo;
        const typed = {
          stream: row.stream as DeliveredStream,
          row: rowToDeliveryObject(info, row),
        };
        sent.push(typed);
        output.enqueue(encodeRecordData(typed.row));
      }
      if (sent.length > 0) context.onRows(sent);
    };
    this.application = new PollingApplicationRunner({
      reader: new StreamReader({
        client: context.kinesis,
        streamName: context.streamName,
        checkpoints: new MemoryCheckpointStore(),
      }),
      application,
      onRows,
    });
  }

  get stats(): EngineStats {
    const sum = (value: (output: DeliveryOutput) => number): number =>
      this.outputs.reduce((n, output) => n + value(output), 0);
    return {
      recordsRead: this.application.stats.recordsRead,
      rowsByStream: this.application.stats.rowsByStream,
      invocations: sum((o) => o.stats.invocations),
      failedInvocations: sum((o) => o.stats.failedInvocations),
      redeliveries: sum((o) => o.stats.redeliveries),
      undelivered: sum((o) => o.backlog),
    };
  }

  start(): void {
    this.application.start();
    for (const output of this.outputs) output.start();
  }

  waitForRecords(count: number, timeoutMs: number): Promise<void> {
    return this.application.waitForRecords(count, timeoutMs);
  }

  async drain(
    timeoutMs: number,
    onProgress: (delivered: number, total: number) => void,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const progress = (): void => {
      const queued = this.outputs.reduce((n, o) => n + o.stats.rowsQueued, 0);
      const delivered = this.outputs.reduce((n, o) => n + o.stats.rowsDelivered, 0);
      onProgress(delivered, queued);
    };
    while (!this.outputs.every((output) => output.idle) && Date.now() < deadline) {
      progress();
      await sleep(drainPollMs);
    }
    progress();
  }

  async stop(): Promise<void> {
    await this.application.stop();
    for (const output of this.outputs) await output.stop();
    this.handler.restoreEnvironment();
  }
}

/** The `kda-sql` engine: what the Pulumi program deploys with `engine: kda-sql`. */
export const kdaSqlEngine: EngineDefinition = {
  description:
    "the harness reads the stream like a KDA input; its rows go to the delivery Lambda " +
    "(handlers/deliver-sessions.ts) the way KDA delivers them",
  tables: [],
  createRunner: (context) => new KdaSqlRunner(context),
};
