/**
 * What runs the SQL application against the stream in the local pipeline. The pipeline only needs
 * rows out, in emission order, and to know when every record sent has been consumed; how the stream
 * is read (a polling consumer here, a Kinesis-triggered function elsewhere) stays behind this
 * interface.
 */
import type { Row, SqlApplication } from "../emulator/types";
import { setTimeout as sleep } from "node:timers/promises";
import type { StreamReader } from "./streamReader";

/** Counters of a runner, for the summary. */
export interface RunnerStats {
  recordsRead: number;
  polls: number;
  /** Rows emitted per in-application stream. */
  rowsByStream: Record<string, number>;
}

export interface ApplicationRunner {
  /** Shown in the summary (`in-process`). */
  readonly name: string;
  readonly stats: RunnerStats;
  /** Starts consuming the stream in the background. */
  start(): void;
  /** Resolves once at least `count` records are consumed and their rows handed on. */
  waitForRecords(count: number, timeoutMs: number): Promise<void>;
  /** Stops consuming; safe to call more than once. */
  stop(): Promise<void>;
}

export interface PollingRunnerOptions {
  readonly reader: StreamReader;
  readonly application: SqlApplication;
  /** Receives each record's rows on every stream, in emission order. */
  readonly onRows: (rows: readonly Row[]) => void;
  /** Pause between polls that found nothing new. */
  readonly idlePollMs?: number;
}

/** Thrown when the runner stops before consuming the records it was waiting for. */
export class RunnerError extends Error {
  override readonly name = "RunnerError";
}

/** Where a runner stands, as `waitForRecordCount` sees it. */
export interface RunnerProgress {
  readonly stats: RunnerStats;
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
    const { stats, running, failure } = progress();
    if (stats.recordsRead >= count) return;
    if (failure !== undefined) throw failure;
    if (!running) {
      throw new RunnerError(`runner stopped after ${stats.recordsRead} of ${count} records`);
    }
    if (Date.now() > deadline) {
      throw new RunnerError(
        `only ${stats.recordsRead} of ${count} records ${wait.consumedAs} after ${timeoutMs} ms`,
      );
    }
    await sleep(wait.pollMs);
  }
}

/**
 * Reads every shard in order, pushes each record into the SQL application with its Kinesis arrival
 * time as ROWTIME, hands the rows on, then checkpoints the shard's sequence number: the loop a KDA
 * input does, with the harness as the application.
 */
export class PollingApplicationRunner implements ApplicationRunner {
  readonly name = "in-process";
  readonly stats: RunnerStats = { recordsRead: 0, polls: 0, rowsByStream: {} };
  private running = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;
  private readonly idlePollMs: number;

  constructor(private readonly options: PollingRunnerOptions) {
    this.idlePollMs = options.idlePollMs ?? 50;
  }

  start(): void {
    this.running = true;
    this.loop = this.run().catch((error: unknown) => {
      this.failure = error;
      this.running = false;
    });
  }

  async waitForRecords(count: number, timeoutMs: number): Promise<void> {
    await waitForRecordCount(
      () => ({ stats: this.stats, running: this.running, failure: this.failure }),
      { count, timeoutMs, pollMs: this.idlePollMs, consumedAs: "consumed" },
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    const { reader, application, onRows } = this.options;
    while (this.running) {
      const records = await reader.poll();
      this.stats.polls++;
      for (const record of records) {
        const rows = application.push({ data: record.data, arrivalTime: record.arrivalTime });
        for (const row of rows) {
          this.stats.rowsByStream[row.stream] = (this.stats.rowsByStream[row.stream] ?? 0) + 1;
        }
        onRows(rows);
        this.stats.recordsRead++;
      }
      // Checkpoint only after the rows are handed on: a restart re-reads, never skips.
      reader.checkpoint(records);
      if (records.length === 0) await sleep(this.idlePollMs);
    }
  }
}
