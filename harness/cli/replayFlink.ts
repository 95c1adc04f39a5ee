/**
 * `npm run replay -- --engine flink`: the same input, read by the same sources and framed with the
 * same arrival times, run through the SQL translated to Flink SQL by flink-runner in a local
 * MiniCluster (docs/flink.md). It prints the same rows as the harness's replay and the same counts
 * as far as Flink gives them. Flink runs the input as one bounded job, so the records are read
 * whole before the job starts (the harness's replay streams them).
 */
import { errorStreamName } from "../../sql/contracts";
import { deliveryJson, type SqlApplication } from "../emulator";
import {
  checkToolchain,
  RecordFramer,
  runFlinkJobsAsync,
  translateToFlink,
  type JobSpec,
  type RunnerRecord,
} from "../flink";
import { emptyCounts, formatCounts, maxRecordBytes, oversizedWarning } from "../replay/replayRun";
import type { SourceRecord } from "../replay/sourceRecord";
import type { OpenedSource } from "./replayInputOptions";
import { LineWriter } from "./lineWriter";

/** What `replay.ts` hands over once the options, the SQL and the input are known to be good. */
export interface FlinkReplay {
  /** The SQL the harness's application was loaded from. */
  readonly sqlText: string;
  readonly stream: string;
  readonly overflow: "error" | "truncate";
  readonly trimChar: boolean;
  /** The harness's application of the same SQL: its streams and their columns. */
  readonly app: SqlApplication;
  readonly source: OpenedSource;
  readonly signal: AbortSignal;
  readonly onWarning: (warning: string) => void;
}

/** Runs the replay on Flink; returns the counts lines for stderr, or null if stdout went away. */
export async function replayOnFlinkEngine(replay: FlinkReplay): Promise<string[] | null> {
  checkToolchain();
  const { app, source, signal } = replay;
  const spec = translate(replay.sqlText, replay);
  const counts = emptyCounts();
  const framer = new RecordFramer();
  const records: RunnerRecord[] = [];
  try {
    for await (const batch of source.records()) {
      for (const record of batch) {
        const framed = frame(framer, record);
        if (framed === null) {
          counts.blankLines++;
          continue;
        }
        counts.records++;
        records.push(framed);
        if (record.bytes > maxRecordBytes) {
          counts.oversized++;
          replay.onWarning(oversizedWarning(record));
        }
      }
      if (signal.aborted) return null;
    }
  } finally {
    source.close();
  }
  process.stderr.write(
    `replay: running ${counts.records} records on Flink (flink-runner, a local MiniCluster)\n`,
  );
  const [output] = await runFlinkJobsAsync([{ spec, records }], { signal });
  const streams = output.get(0) ?? new Map<string, Record<string, unknown>[]>();

  const rows = streams.get(replay.stream) ?? [];
  const charColumns = new Set(
    app.streams
      .get(replay.stream)!
      .columns.filter((c) => c.type.kind === "CHAR")
      .map((c) => c.name),
  );
  const writer = new LineWriter(process.stdout);
  for (const row of rows) {
    writer.push(deliveryJson(replay.trimChar ? trimmed(row, charColumns) : row));
    await writer.flushIfFull();
    if (writer.closed) return null;
  }
  await writer.flush();
  if (writer.closed) return null;

  const { inputSchema } = app;
  const sourceRows = streams.get(inputSchema.streamName) ?? [];
  // The source column the harness counts as a missing timestamp (`event_timestamp`).
  const timestampColumn =
    inputSchema.columns.find((c) => c.mapping === "$.event_timestamp")?.name ?? "event_timestamp";
  counts.missingTimestamps = sourceRows.filter((row) => row[timestampColumn] === null).length;
  // The harness lists streams as they first emit; the declared streams, then error_stream, is
  // that order for most applications.
  const declared = [...app.streams.keys()].filter((name) => name !== errorStreamName);
  for (const name of [...declared, errorStreamName]) {
    const count = streams.get(name)?.length ?? 0;
    if (name === inputSchema.streamName && replay.stream !== name) continue;
    if (count > 0) counts.rowsByStream[name] = count;
  }
  for (const row of streams.get(errorStreamName) ?? []) {
    const name = String(row.ERROR_NAME);
    counts.errorsByName[name] = (counts.errorsByName[name] ?? 0) + 1;
  }
  return formatCounts(counts, `${source.description}, engine flink`);
}

/**
 * The job: every stream of the application is an output (the counts need them all), the source
 * stream too (its NULL timestamps are counted). Streams no pump writes have no rows to give and
 * are left out.
 */
function translate(sqlText: string, replay: FlinkReplay): JobSpec {
  const wanted = new Set([...replay.app.streams.keys()].filter((name) => name !== errorStreamName));
  for (;;) {
    try {
      return translateToFlink(sqlText, {
        inputSchema: replay.app.inputSchema,
        overflow: replay.overflow,
        outputs: [...wanted],
      }).spec;
    } catch (error) {
      const unknown = /^Unknown output stream "(.*)"/.exec((error as Error).message)?.[1];
      if (unknown === undefined || !wanted.delete(unknown)) {
        throw error;
      }
    }
  }
}

function frame(framer: RecordFramer, record: SourceRecord): RunnerRecord | null {
  switch (record.kind) {
    case "line":
      return framer.line(record.text);
    case "event":
      return framer.event(record.data);
    case "arrived":
      return framer.arrived(record.data, record.arrivalTime);
    case "rejected":
      return framer.rejected(record.raw, record.errorName, record.message);
  }
}

/** CHAR values without their blank padding (`--trim-char`), as the harness trims them. */
function trimmed(row: Record<string, unknown>, charColumns: ReadonlySet<string>) {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      charColumns.has(k) && typeof v === "string" ? v.replace(/ +$/, "") : v,
    ]),
  );
}
