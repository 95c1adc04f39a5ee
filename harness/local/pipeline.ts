/**
 * The whole pipeline on one machine: the simulator puts clicks on a kinesalite stream, an engine
 * (`engines.ts`) runs the SQL over them and writes dynalite tables created with the deployed key
 * shapes, and the run is reconciled against what the engine says it sent. `runLocalPipeline` is
 * what `npm start` and the end-to-end tests call; it never asks which engine it runs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encodeRecordData } from "../../handlers/delivery/recordData";
import type { TypedRow } from "../../handlers/delivery/typedRow";
import { destinationStreamName, type SessionItem } from "../../sql/contracts";
import {
  defaultSqlApplication,
  readApplicationSql,
  sqlApplications,
  type SqlApplicationName,
} from "../../sql/applications";
import type { ClickRecord, ClickStreamOptions } from "../simulator/clickGenerator";
import { KinesisWriter } from "../simulator/kinesisWriter";
import { simulate } from "../simulator/simulate";
import { KinesisSink, MemorySink, TeeSink, userIdPartitionKey } from "../simulator/sinks";
import type { ChaosStats } from "./chaos";
import { functionTimeoutMs } from "./deliveryHandler";
import type { EngineRunner } from "./engineRunner";
import { defaultEngine, engines, type PipelineEngine } from "./engines";
import {
  defaultLocalShards,
  localAws,
  localNames,
  localTables,
  scanItems,
  startLocalStack,
} from "./localStack";
import { startOutageProxy, type OutageProxy } from "./outageProxy";
import { reconcile, type Summary } from "./summary";

/** Longest wait for the engine to consume every record sent. */
const consumeTimeoutMs = 120_000;

export interface LocalPipelineOptions {
  readonly clicks: ClickStreamOptions;
  /** What runs the SQL (default `lambda`), as the stack config key `engine`. */
  readonly engine?: PipelineEngine;
  /**
   * The SQL application (default `product`), as the stack config key `sqlApplication`: its SQL and
   * its input schema.
   */
  readonly app?: SqlApplicationName;
  /** Records per sessionizer batch with the `lambda` engine (default 100). */
  readonly batchSize?: number;
  /** Pace the simulator like the lab (2 s between clicks); default compressed time. */
  readonly realtime?: boolean;
  readonly shards?: number;
  readonly partitionKey?: string;
  /** Time between deliveries to the Lambda; KDA's is about one second. */
  readonly deliveryIntervalMs?: number;
  /**
   * Inject the engine's delivery failures and a DynamoDB outage of `outageMs` (default 3 s); `seed`
   * decides the injected failures. The functions' timeout drops to `functionTimeoutMs` (default
   * 2 s, 1 s of it for retries) so that the outage outlasts invocations and they fail, as a
   * deployed function would in a longer outage.
   */
  readonly chaos?: {
    readonly seed: number;
    readonly outageMs?: number;
    readonly functionTimeoutMs?: number;
  };
  /** Leave the emulators running; the caller closes them with `result.close()`. */
  readonly keep?: boolean;
  /** SQL to run instead of the application's own (with the application's input schema). */
  readonly sqlText?: string;
  /**
   * Longest wait for the engine to deliver every row once the stream is consumed; what is left
   * then is reported as undelivered and the run does not reconcile.
   */
  readonly drainTimeoutMs?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Stops the run: once aborted, the emulators and the engine are closed, their ports freed, and
   * the run rejects with the signal's reason (SIGINT/SIGTERM in `npm start`).
   */
  readonly signal?: AbortSignal;
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
  /** The SQL application that ran. */
  readonly app: SqlApplicationName;
  readonly chaos?: ChaosStats & { readonly outages: number };
  readonly endpoints: { readonly kinesis: string; readonly dynamodb: string };
  /** The tables the run created, sessions first. */
  readonly tables: readonly string[];
  /** Stops the emulators (already stopped unless `keep` was set). */
  close(): Promise<void>;
}

/** Runs the simulator through the local pipeline and reconciles what reached the tables. */
export async function runLocalPipeline(
  options: LocalPipelineOptions,
): Promise<LocalPipelineResult> {
  const cleanups: Cleanup[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    closed = true;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  // What the run starts after a stop is stopped at once.
  const own = (cleanup: Cleanup): void => {
    if (closed) void cleanup();
    else cleanups.push(cleanup);
  };
  const run = runPipeline(options, own, close);
  const { signal } = options;
  if (signal === undefined) return run;
  // Whatever the run awaits (a poll, a sleep, an SDK call) fails or is dropped once closed.
  run.catch(() => {});
  return new Promise((resolve, reject) => {
    const stop = (): void => {
      close().then(() => reject(signal.reason), reject);
    };
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    run.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

type Cleanup = () => Promise<void> | void;

async function runPipeline(
  options: LocalPipelineOptions,
  own: (cleanup: Cleanup) => void,
  close: () => Promise<void>,
): Promise<LocalPipelineResult> {
  const startedAt = Date.now();
  const engine = engines[options.engine ?? defaultEngine];
  const app = sqlApplications[options.app ?? defaultSqlApplication];
  const tables = [localTables.sessions, localTables.deadLetters, ...engine.tables];
  try {
    const stack = await startLocalStack({
      stream: { name: localNames.stream, shards: options.shards ?? defaultLocalShards },
      tables,
    });
    own(() => stack.close());
    const proxy = await startOutageProxy(stack.dynamodb.port);
    own(() => proxy.close());

    const sent = new SentRows();
    const chaosStats: ChaosStats = { refusedInvocations: 0, lostResponses: 0, droppedAnswers: 0 };
    const runner = engine.createRunner({
      kinesis: stack.kinesisClient,
      streamName: localNames.stream,
      streamArn: stack.streamArn as string,
      region: localAws.region,
      dynamoEndpoint: proxy.endpoint,
      tables: localNames,
      sqlText: options.sqlText ?? readApplicationSql(app.name),
      inputSchema: app.inputSchema,
      functionTimeoutMs: options.chaos
        ? (options.chaos.functionTimeoutMs ?? 2000)
        : functionTimeoutMs,
      deliveryIntervalMs: options.deliveryIntervalMs,
      batchSize: options.batchSize,
      chaos: options.chaos ? { seed: options.chaos.seed, stats: chaosStats } : undefined,
      onRows: (rows) => sent.add(rows),
    });
    runner.start();
    own(() => runner.stop());

    const clicks = new MemorySink();
    const writer = new KinesisWriter({
      client: stack.kinesisClient,
      streamName: localNames.stream,
    });
    const total = options.clicks.count;
    let outages = 0;
    const outage = options.chaos
      ? scheduleOutage(proxy, runner, total, options.chaos.outageMs ?? 3000, (down) => {
          if (down) outages++;
          options.onProgress?.({ phase: "outage", down });
        })
      : undefined;
    if (outage) own(() => outage.cancel());

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
    await runner.drain(options.drainTimeoutMs ?? 120_000, (done, queued) =>
      options.onProgress?.({ phase: "deliver", done, total: queued }),
    );
    await runner.stop();

    const sessions = await scanItems<SessionItem>(stack.dynamoClient, localNames.sessionsTable);
    const deadLetters = await scanItems(stack.dynamoClient, localNames.deadLetterTable);
    const order = new Map<string | null, number>();
    sent.destinationSessionIds.forEach((id, i) => order.has(id) || order.set(id, i));
    sessions.sort(
      (a, b) => (order.get(a.session_id) ?? Infinity) - (order.get(b.session_id) ?? Infinity),
    );

    const stats = runner.stats;
    const sessionUsers = new Set(sessions.map((s) => String(s.user_id ?? "").trimEnd()));
    const summary = reconcile({
      seed: options.clicks.seed,
      events: clicks.records.length,
      recordsRead: stats.recordsRead,
      rowsByStream: stats.rowsByStream,
      destinationSessionIds: sent.destinationSessionIds,
      deadLetterData: sent.deadLetterData,
      tableSessionIds: sessions.map((s) => s.session_id),
      usersWithoutSessions: [...new Set(clicks.records.map((c) => c.user_id))].filter(
        (user) => !sessionUsers.has(user),
      ),
      deadLetters: deadLetters.length,
      invocations: stats.invocations,
      failedInvocations: stats.failedInvocations,
      redeliveries: stats.redeliveries,
      undelivered: stats.undelivered,
      elapsedMs: Date.now() - startedAt,
    });
    const result: LocalPipelineResult = {
      summary,
      sessions,
      clicks: clicks.records,
      app: app.name,
      chaos: options.chaos ? { ...chaosStats, outages } : undefined,
      endpoints: { kinesis: stack.kinesis.endpoint, dynamodb: stack.dynamodb.endpoint },
      tables: tables.map((table) => table.name),
      close,
    };
    if (!options.keep) await close();
    return result;
  } catch (error) {
    await close();
    throw error;
  }
}

/** What the engine sent to the tables, as the reconciliation needs it. */
class SentRows {
  /** `session_id` of every destination row, in order; null where the handler must reject it. */
  readonly destinationSessionIds: (string | null)[] = [];
  /** The `data` of every row that must become a dead letter, as KDA sends it (see summary.ts). */
  readonly deadLetterData: string[] = [];

  add(rows: readonly TypedRow[]): void {
    for (const { stream, row } of rows) {
      if (stream === destinationStreamName) {
        // The handler stores a row only under a non-empty string key (DynamoDB refuses "").
        const id = row.session_id;
        const sessionId = typeof id === "string" && id !== "" ? id : null;
        this.destinationSessionIds.push(sessionId);
        if (sessionId !== null) continue;
      }
      this.deadLetterData.push(encodeRecordData(row));
    }
  }
}

/**
 * Takes DynamoDB away from the engine for `outageMs` once it has consumed half of the records, so
 * the outage falls while rows are being delivered.
 */
function scheduleOutage(
  proxy: OutageProxy,
  runner: EngineRunner,
  total: number,
  outageMs: number,
  onChange: (down: boolean) => void,
): { finished: Promise<void>; cancel(): void } {
  let cancelled = false;
  const finished = (async () => {
    while (!cancelled && runner.stats.recordsRead < Math.ceil(total / 2)) await sleep(10);
    if (cancelled) return;
    proxy.down();
    onChange(true);
    await sleep(outageMs);
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
