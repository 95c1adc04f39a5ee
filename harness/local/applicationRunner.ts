/**
 * The SQL application reading the stream, as a KDA input does: the heart of the `kda-sql` engine's
 * runner (`kdaSqlRunner.ts`), which delivers the rows it hands on.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Row, SqlApplication } from "../emulator";
import { waitForRecordCount } from "./engineRunner";
import type { StreamReader } from "./streamReader";

/** Counters of the application runner. */
export interface ApplicationRunnerStats {
  recordsRead: number;
  polls: number;
  /** Rows emitted per in-application stream. */
  rowsByStream: Record<string, number>;
}

export interface PollingRunnerOptions {
  readonly reader: StreamReader;
  readonly application: SqlApplication;
  /** Receives each record's rows on every stream, in emission order. */
  readonly onRows: (rows: readonly Row[]) => void;
  /** Pause between polls that found nothing new. */
  readonly idlePollMs?: number;
}

/**
 * Reads every shard in order, pushes each record into the SQL application with its Kinesis arrival
 * time as ROWTIME, hands the rows on, then checkpoints the shard's sequence number: the loop a KDA
 * input does, with the harness as the application.
 */
export class PollingApplicationRunner {
  readonly stats: ApplicationRunnerStats = { recordsRead: 0, polls: 0, rowsByStream: {} };
  private running = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;
  private readonly idlePollMs: number;

  constructor(private readonly options: PollingRunnerOptions) {
    this.idlePollMs = options.idlePollMs ?? 50;
  }

  /** Starts consuming the stream in the background. */
  start(): void {
    this.running = true;
    this.loop = this.run().catch((error: unknown) => {
      this.failure = error;
      this.running = false;
    });
  }

  /** Resolves once at least `count` records are consumed and their rows handed on. */
  async waitForRecords(count: number, timeoutMs: number): Promise<void> {
    await waitForRecordCount(
      () => ({
        recordsRead: this.stats.recordsRead,
        running: this.running,
        failure: this.failure,
      }),
      { count, timeoutMs, pollMs: this.idlePollMs, consumedAs: "consumed" },
    );
  }

  /** Stops consuming; safe to call more than once. */
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
