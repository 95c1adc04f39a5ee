/**
 * The whole pipeline on one machine: the simulator puts clicks on a kinesalite stream, an
 * application runner feeds them through the SQL harness, the rows go to the real delivery Lambda
 * the way KDA delivers them, and the handler writes to dynalite tables created with the deployed
 * key shapes. `runLocalPipeline` is what `npm start` and the end-to-end tests call.
 */
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  deadLetterTableShape,
  destinationStreamName as destinationStream,
  errorStreamName as errorStream,
  sessionsTableShape,
  stateTableShape,
  type SessionItem,
} from "../../sql/contracts";
import { readSessionizeSql } from "../../sql/inputSchema";
import type { ClickRecord, ClickStreamOptions } from "../simulator/clickGenerator";
import { KinesisWriter } from "../simulator/kinesisWriter";
import { simulate } from "../simulator/simulate";
import { KinesisSink, MemorySink, TeeSink, userIdPartitionKey } from "../simulator/sinks";
import type { Row, SqlApplication, StreamInfo } from "../emulator/types";
import { PollingApplicationRunner, type ApplicationRunner } from "./applicationRunner";
import { chaoticDelivery, type ChaosStats } from "./chaos";
import { functionTimeoutMs, loadDeliveryHandler, type LoadedHandler } from "./deliveryHandler";
import { DeliveryOutput, type DeliverFunction } from "./deliveryOutput";
import {
  createStream,
  createTable,
  localAws,
  localDynamoClient,
  localKinesisClient,
  startDynalite,
  startKinesalite,
  type Emulator,
} from "./emulators";
import { harnessEngine, type SqlEngine } from "./harnessEngine";
import { LambdaEngineRunner } from "./lambdaEngineRunner";
import type { DeliveredRow } from "../../handlers/sessionize/sessionizeEvent";
import { encodeRecordData } from "../../handlers/delivery/recordData";
import { startOutageProxy, type OutageProxy } from "./outageProxy";
import { MemoryCheckpointStore, StreamReader } from "./streamReader";
import { reconcile, type Summary } from "./summary";

/** Builds the application runner for one run; the default polls the stream in-process. */
export type RunnerFactory = (context: RunnerContext) => ApplicationRunner;

/**
 * What a runner gets: the emulators (a runner may keep its own state in DynamoDB), the stream, the
 * SQL (loaded once as `application`, for runners that keep it in this process) and where rows go.
 */
export interface RunnerContext {
  readonly kinesis: Emulator;
  readonly dynamodb: Emulator;
  readonly streamName: string;
  readonly sqlText: string;
  readonly application: SqlApplication;
  /** Takes each record's rows on every stream, in emission order. */
  readonly onRows: (rows: readonly Row[]) => void;
}

/**
 * The local run as a stack named `local`: the names the Pulumi program derives for it (its config
 * module pulls in the Pulumi SDK, seconds to load, so a test holds the two together instead).
 */
const localPrefix = "clickstream-sessionizer-local";
export const localNames = {
  stream: `${localPrefix}-stream`,
  application: `${localPrefix}-application`,
  sessionsTable: `${localPrefix}-sessions`,
  deadLetterTable: `${localPrefix}-dead-letters`,
  stateTable: `${localPrefix}-state`,
} as const;

/** The deployed stream's default shard count (a test holds it to the Pulumi config's default). */
export const defaultLocalShards = 1;

/** Longest wait for the runner to consume every record sent. */
const consumeTimeoutMs = 120_000;

/** The application outputs wired to the Lambda, as the Pulumi program wires them. */
export const localOutputs = [destinationStream, errorStream] as const;

/**
 * What runs the SQL, as the stack config key `engine`: `kda-sql` (the harness reading the stream
 * like a KDA input, rows delivered to the delivery Lambda) or `lambda` (the sessionizer Lambda fed
 * GetRecords batches as Kinesis events, state in a state table, writing the sessions itself).
 */
export const pipelineEngines = ["kda-sql", "lambda"] as const;
export type PipelineEngine = (typeof pipelineEngines)[number];

export interface LocalPipelineOptions {
  readonly clicks: ClickStreamOptions;
  /** Default: the harness. */
  readonly engine?: SqlEngine;
  /** Default `kda-sql`; `lambda` runs the sessionizer Lambda instead (`--engine lambda`). */
  readonly pipelineEngine?: PipelineEngine;
  /** Records per sessionizer batch with `pipelineEngine: "lambda"` (default 100). */
  readonly batchSize?: number;
  /** Pace the simulator like the lab (2 s between clicks); default compressed time. */
  readonly realtime?: boolean;
  readonly shards?: number;
  readonly partitionKey?: string;
  /** Time between deliveries to the Lambda; KDA's is about one second. */
  readonly deliveryIntervalMs?: number;
  /**
   * Inject delivery failures and a DynamoDB outage of `outageMs` (default 3 s); `seed` decides
   * the injected failures. The function's timeout drops to `functionTimeoutMs` (default 2 s, 1 s
   * of it for retries) so that the outage outlasts invocations and the handler answers
   * DeliveryFailed, as a deployed function would in a longer outage.
   */
  readonly chaos?: {
    readonly seed: number;
    readonly outageMs?: number;
    readonly functionTimeoutMs?: number;
  };
  /** Leave the emulators running; the caller closes them with `result.close()`. */
  readonly keep?: boolean;
  readonly sqlText?: string;
  readonly runner?: RunnerFactory;
  /**
   * Longest wait for the outputs to deliver every row once the stream is consumed; what is left
   * then is reported as undelivered and the run does not reconcile.
   */
  readonly drainTimeoutMs?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { readonly phase: "send"; readonly done: number; readonly total: number }
  | { readonly phase: "deliver"; readonly done: number; readonly total: number }
  | { readonly phase: "outage"; readonly down: boolean };

export interface LocalPipelineResult {
  readonly summary: Summary;
  /** The sessions table, read back, in the order the sessions were emitted. */
  readonly sessions: readonly SessionItem[];
  readonly clicks: readonly ClickRecord[];
  readonly chaos?: ChaosStats & { readonly outages: number };
  readonly endpoints: { readonly kinesis: string; readonly dynamodb: string };
  /** Stops the emulators (already stopped unless `keep` was set). */
  close(): Promise<void>;
}

/** Runs the simulator through the local pipeline and reconciles what reached the tables. */
export async function runLocalPipeline(
  options: LocalPipelineOptions,
): Promise<LocalPipelineResult> {
  const startedAt = Date.now();
  const engine = options.engine ?? harnessEngine;
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const kinesis = await startKinesalite();
    cleanups.push(() => kinesis.close());
    const dynamo = await startDynalite();
    cleanups.push(() => dynamo.close());
    const proxy = await startOutageProxy(dynamo.port);
    cleanups.push(() => proxy.close());

    const kinesisClient = localKinesisClient(kinesis.endpoint);
    const dynamoClient = localDynamoClient(dynamo.endpoint);
    cleanups.push(() => {
      kinesisClient.destroy();
      dynamoClient.destroy();
    });
    await createStream(kinesisClient, localNames.stream, options.shards ?? defaultLocalShards);
    await createTable(dynamoClient, localNames.sessionsTable, sessionsTableShape);
    await createTable(dynamoClient, localNames.deadLetterTable, deadLetterTableShape);
    const lambdaEngine = options.pipelineEngine === "lambda";
    if (lambdaEngine) await createTable(dynamoClient, localNames.stateTable, stateTableShape);

    const handler = loadHandler(
      proxy,
      options.chaos ? (options.chaos.functionTimeoutMs ?? 2000) : functionTimeoutMs,
    );
    cleanups.push(() => handler.restoreEnvironment());
    const chaosStats: ChaosStats = { refusedInvocations: 0, lostResponses: 0, droppedAnswers: 0 };
    const deliver: DeliverFunction = options.chaos
      ? chaoticDelivery(handler.deliver, options.chaos.seed, chaosStats)
      : handler.deliver;

    const applicationArn = `arn:aws:kinesisanalytics:${localAws.region}:000000000000:application/${localNames.application}`;
    const outputOptions = { applicationArn, deliver, intervalMs: options.deliveryIntervalMs };
    const outputs = new Map(
      localOutputs.map((streamName) => [
        streamName as string,
        new DeliveryOutput({ ...outputOptions, streamName }),
      ]),
    );
    const destinationSessionIds: (string | null)[] = [];
    const deadLetterData: string[] = [];

    const sqlText = options.sqlText ?? readSessionizeSql();
    const application = engine.loadApplication(sqlText);
    const onRows = (rows: readonly Row[]): void => {
      for (const row of rows) {
        const output = outputs.get(row.stream);
        if (output === undefined) continue;
        const info = application.streams.get(row.stream) as StreamInfo;
        const object = engine.rowToDeliveryObject(info, row);
        const data = Buffer.from(JSON.stringify(object), "utf8").toString("base64");
        if (row.stream === destinationStream) {
          // The handler stores a row only under a non-empty string key (DynamoDB refuses "").
          const id = object.session_id;
          const sessionId = typeof id === "string" && id !== "" ? id : null;
          destinationSessionIds.push(sessionId);
          if (sessionId === null) deadLetterData.push(data);
        } else {
          deadLetterData.push(data);
        }
        output.enqueue(data);
      }
    };
    // The sessionizer writes the tables itself: the pipeline only learns which rows it delivered.
    const onDelivered = (rows: readonly DeliveredRow[]): void => {
      for (const { stream, row } of rows) {
        if (stream === destinationStream) {
          // As above: only a non-empty string key is stored.
          const id = row.session_id;
          const sessionId = typeof id === "string" && id !== "" ? id : null;
          destinationSessionIds.push(sessionId);
          if (sessionId === null) deadLetterData.push(encodeRecordData(row));
        } else {
          deadLetterData.push(encodeRecordData(row));
        }
      }
    };
    const lambdaRunner = lambdaEngine
      ? new LambdaEngineRunner({
          kinesis: kinesisClient,
          streamName: localNames.stream,
          region: localAws.region,
          // Behind the proxy, so that --chaos takes DynamoDB away from the sessionizer.
          dynamo: localDynamoClient(proxy.endpoint),
          tables: localNames,
          onDelivered,
          batchSize: options.batchSize,
          functionTimeoutMs: options.chaos ? (options.chaos.functionTimeoutMs ?? 2000) : undefined,
          sqlText,
        })
      : undefined;
    const runner =
      lambdaRunner ??
      (options.runner ?? pollingRunner)({
        kinesis,
        dynamodb: dynamo,
        streamName: localNames.stream,
        sqlText,
        application,
        onRows,
      });
    runner.start();
    cleanups.push(() => runner.stop());
    const outputList = [...outputs.values()];
    // With the lambda engine the sessionizer delivers its rows itself; the outputs stay idle.
    for (const output of lambdaEngine ? [] : outputList) {
      output.start();
      cleanups.push(() => output.stop());
    }

    const clicks = new MemorySink();
    const writer = new KinesisWriter({ client: kinesisClient, streamName: localNames.stream });
    const total = options.clicks.count;
    let outages = 0;
    const outage = options.chaos
      ? scheduleOutage(proxy, runner, total, options.chaos.outageMs ?? 3000, (down) => {
          if (down) outages++;
          options.onProgress?.({ phase: "outage", down });
        })
      : undefined;
    if (outage) cleanups.push(() => outage.cancel());

    await simulate({
      stream: options.clicks,
      realtime: options.realtime,
      sink: new TeeSink([
        new KinesisSink(writer, options.partitionKey ?? userIdPartitionKey),
        clicks,
      ]),
      onProgress: (done) => options.onProgress?.({ phase: "send", done, total }),
    });

    await runner.waitForRecords(total, consumeTimeoutMs);
    await outage?.finished;
    const deadline = Date.now() + (options.drainTimeoutMs ?? 120_000);
    const progress = () => {
      if (lambdaRunner) {
        // The sessionizer delivered its rows before it moved on: all of them are done.
        const rows = Object.values(lambdaRunner.stats.rowsByStream).reduce((n, c) => n + c, 0);
        options.onProgress?.({ phase: "deliver", done: rows, total: rows });
        return;
      }
      const queued = outputList.reduce((n, o) => n + o.stats.rowsQueued, 0);
      const delivered = outputList.reduce((n, o) => n + o.stats.rowsDelivered, 0);
      options.onProgress?.({ phase: "deliver", done: delivered, total: queued });
    };
    while (!outputList.every((o) => o.idle) && Date.now() < deadline) {
      progress();
      await new Promise((r) => setTimeout(r, 50));
    }
    progress();
    for (const output of outputList) await output.stop();
    await runner.stop();

    const sessions = await scanAll<SessionItem>(dynamoClient, localNames.sessionsTable);
    const deadLetters = await scanAll(dynamoClient, localNames.deadLetterTable);
    const order = new Map<string | null, number>();
    destinationSessionIds.forEach((id, i) => order.has(id) || order.set(id, i));
    sessions.sort(
      (a, b) => (order.get(a.session_id) ?? Infinity) - (order.get(b.session_id) ?? Infinity),
    );

    const summary = reconcile({
      seed: options.clicks.seed,
      events: clicks.records.length,
      recordsRead: runner.stats.recordsRead,
      rowsByStream: runner.stats.rowsByStream,
      destinationSessionIds,
      deadLetterData,
      tableSessionIds: sessions.map((s) => s.session_id),
      deadLetters: deadLetters.length,
      invocations: lambdaRunner?.stats.invocations ?? sum(outputList, (o) => o.stats.invocations),
      failedInvocations:
        lambdaRunner?.stats.failedInvocations ?? sum(outputList, (o) => o.stats.failedInvocations),
      redeliveries:
        lambdaRunner?.stats.redeliveries ?? sum(outputList, (o) => o.stats.redeliveries),
      undelivered: sum(outputList, (o) => o.backlog),
      elapsedMs: Date.now() - startedAt,
    });
    const result: LocalPipelineResult = {
      summary,
      sessions,
      clicks: clicks.records,
      chaos: options.chaos ? { ...chaosStats, outages } : undefined,
      endpoints: { kinesis: kinesis.endpoint, dynamodb: dynamo.endpoint },
      close,
    };
    if (!options.keep) await close();
    return result;
  } catch (error) {
    await close();
    throw error;
  }
}

const pollingRunner: RunnerFactory = (context) =>
  new PollingApplicationRunner({
    reader: new StreamReader({
      client: localKinesisClient(context.kinesis.endpoint),
      streamName: context.streamName,
      checkpoints: new MemoryCheckpointStore(),
    }),
    application: context.application,
    onRows: context.onRows,
  });

function loadHandler(proxy: OutageProxy, timeoutMs: number): LoadedHandler {
  return loadDeliveryHandler(
    {
      SESSIONS_TABLE: localNames.sessionsTable,
      DEAD_LETTER_TABLE: localNames.deadLetterTable,
      // Through the proxy, so that --chaos can take "DynamoDB" away from the function alone.
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      AWS_REGION: localAws.region,
      AWS_ACCESS_KEY_ID: localAws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localAws.credentials.secretAccessKey,
      // The function's logs would bury the run's output; set it yourself to see them.
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
    },
    timeoutMs,
  );
}

/**
 * Takes DynamoDB away from the function for `outageMs` once the runner has consumed half of the
 * records, so the outage falls while rows are being delivered.
 */
function scheduleOutage(
  proxy: OutageProxy,
  runner: ApplicationRunner,
  total: number,
  outageMs: number,
  onChange: (down: boolean) => void,
): { finished: Promise<void>; cancel(): void } {
  let cancelled = false;
  const finished = (async () => {
    while (!cancelled && runner.stats.recordsRead < Math.ceil(total / 2)) {
      await new Promise((r) => setTimeout(r, 10));
    }
    if (cancelled) return;
    proxy.down();
    onChange(true);
    await new Promise((r) => setTimeout(r, outageMs));
    proxy.up();
    onChange(false);
  })();
  return {
    finished,
    cancel() {
      cancelled = true;
      proxy.up();
    },
  };
}

async function scanAll<T = Record<string, unknown>>(
  client: DynamoDBClient,
  tableName: string,
): Promise<T[]> {
  const items: T[] = [];
  let startKey: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) {
      items.push(
        Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S ?? v.N ?? v])) as T,
      );
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

function sum<T>(list: readonly T[], value: (item: T) => number): number {
  return list.reduce((n, item) => n + value(item), 0);
}
