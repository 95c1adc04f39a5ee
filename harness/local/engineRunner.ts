/**
 * The seam between the local pipeline and an engine (`docs/architecture.md`): whatever runs the
 * SQL against the stream and writes the tables, the pipeline starts it, waits for it to consume the
 * clicks and deliver its rows, stops it, and learns from it which rows it sent to the tables. Each
 * engine implements `EngineRunner` in a module of its own and registers an `EngineDefinition` in
 * `engines.ts`; the shared code never asks which engine it runs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { TypedRow } from "../../handlers/delivery/typedRow";
import type { InputSchema } from "../../sql/inputSchema";
import type { ChaosStats } from "./chaos";
import type { LocalTable } from "./localStack";

/** An engine's counters, for the summary. */
export interface EngineStats {
  /** Records consumed from the stream and done with (a retried record counts once). */
  readonly recordsRead: number;
  /** Rows emitted per in-application stream. */
  readonly rowsByStream: Readonly<Record<string, number>>;
  /** Invocations of the function that writes the tables. */
  readonly invocations: number;
  /** Invocations in which at least one record failed. */
  readonly failedInvocations: number;
  /** Records sent again after a failure (one per record per retry). */
  readonly redeliveries: number;
  /** Rows handed to `onRows` that are not in the tables yet. */
  readonly undelivered: number;
}

/** One engine's run against the local stack. */
export interface EngineRunner {
  /** Starts consuming the stream, and delivering, in the background. */
  start(): void;
  /**
   * Resolves once at least `count` records are consumed and their rows handed on; rejects with the
   * engine's own failure, or a `RunnerError` when it stopped or `timeoutMs` passed first.
   */
  waitForRecords(count: number, timeoutMs: number): Promise<void>;
  /**
   * Resolves once every row handed to `onRows` is in the tables, or `timeoutMs` has passed (what
   * is left then counts as `undelivered`), calling `onProgress` on the way.
   */
  drain(timeoutMs: number, onProgress: (delivered: number, total: number) => void): Promise<void>;
  /** Stops consuming and delivering; safe to call more than once. */
  stop(): Promise<void>;
  readonly stats: EngineStats;
}

/** What an engine runs against: the local stack's stream and tables, the SQL and the run's knobs. */
export interface EngineContext {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  /**
   * The DynamoDB endpoint the engine's functions write through: the outage proxy, so that a
   * DynamoDB outage reaches them and nothing else.
   */
  readonly dynamoEndpoint: string;
  readonly tables: {
    readonly sessionsTable: string;
    readonly deadLetterTable: string;
    readonly stateTable: string;
  };
  readonly sqlText: string;
  /** The input schema the SQL reads its records with (`sql/applications.ts`). */
  readonly inputSchema: InputSchema;
  /** The timeout of the functions the engine invokes. */
  readonly functionTimeoutMs: number;
  /** Time between deliveries of a KDA-style output (KDA's is about one second). */
  readonly deliveryIntervalMs?: number;
  /** Records per batch of an event source mapping (Lambda's default is 100). */
  readonly batchSize?: number;
  /** Inject the engine's delivery failures, as `seed` decides, counting them in `stats`. */
  readonly chaos?: { readonly seed: number; readonly stats: ChaosStats };
  /**
   * Takes every DESTINATION_SQL_STREAM and error_stream row the engine sends to the tables, once,
   * in the order it sends them, typed as the delivery core takes them.
   */
  readonly onRows: (rows: readonly TypedRow[]) => void;
}

/** An engine as the local pipeline knows it: what it needs and how to start it. */
export interface EngineDefinition {
  /** What runs the SQL, one sentence for `--help`. */
  readonly description: string;
  /** Tables the engine needs beyond the sessions and dead-letter tables. */
  readonly tables: readonly LocalTable[];
  createRunner(context: EngineContext): EngineRunner;
}

/** Thrown when a runner stops before consuming the records it was waiting for. */
export class RunnerError extends Error {
  override readonly name = "RunnerError";
}

/** Where a runner stands, as `waitForRecordCount` sees it. */
export interface RunnerProgress {
  readonly recordsRead: number;
  readonly running: boolean;
  /** What stopped the runner's loop, if anything did. */
  readonly failure: unknown;
}

/**
 * Polls `progress` every `pollMs` until `count` records are read: the body of every runner's
 * `waitForRecords`. Rethrows the runner's failure, and throws `RunnerError` if the runner stopped
 * or `timeoutMs` passed first (`consumedAs` says what became of the records, for the message).
 */
export async function waitForRecordCount(
  progress: () => RunnerProgress,
  wait: { count: number; timeoutMs: number; pollMs: number; consumedAs: string },
): Promise<void> {
  const { count, timeoutMs } = wait;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { recordsRead, running, failure } = progress();
    if (recordsRead >= count) return;
    if (failure !== undefined) throw failure;
    if (!running) {
      throw new RunnerError(`runner stopped after ${recordsRead} of ${count} records`);
    }
    if (Date.now() > deadline) {
      throw new RunnerError(
        `only ${recordsRead} of ${count} records ${wait.consumedAs} after ${timeoutMs} ms`,
      );
    }
    await sleep(wait.pollMs);
  }
}
