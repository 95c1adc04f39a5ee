/**
 * One replay over a record source: every record through the SQL application once, the chosen
 * stream's rows handed on as delivery objects, every `error_stream` row handed on with the
 * record's origin (its line, or shard and sequence number), and the counts a user needs to trust
 * the result: rows per stream, errors by reason, records without a timestamp, records Kinesis would
 * refuse. `npm run replay` and `npm run report` both run it.
 */
import { errorStreamName } from "../../sql/contracts";
import { putRecordsLimits } from "../simulator/kinesisLimits";
import {
  compileRowJson,
  rowToDeliveryObject,
  type DeliveryValue,
  type Row,
  type SqlApplication,
} from "../emulator";
import { RecordFeeder } from "./recordFeeder";
import { describeOrigin, originOf, type RecordOrigin, type SourceRecord } from "./sourceRecord";

/** What a replay counted; `formatCounts` prints it. */
export interface ReplayCounts {
  /** Records fed (blank lines are not records). */
  records: number;
  blankLines: number;
  /** Rows per in-application stream (the source stream only when asked for). */
  readonly rowsByStream: Record<string, number>;
  /** `error_stream` rows by ERROR_NAME. */
  readonly errorsByName: Record<string, number>;
  /** Records that entered the source stream with a NULL event_timestamp. */
  missingTimestamps: number;
  /** Records over Kinesis's 1 MiB record limit. */
  oversized: number;
}

/** An error row as `--errors` writes it: where the record came from, then KDA's columns. */
export type ErrorRecord = RecordOrigin & Record<string, DeliveryValue>;

export interface ReplayRunOptions {
  readonly app: SqlApplication;
  /** The stream whose rows go to `onRow`. */
  readonly stream: string;
  readonly trimChar?: boolean;
  /**
   * Each row of `stream` as the JSON text of its delivery object (what `deliveryJson` writes),
   * written straight from the row's values, with no object in between: a replay writes millions.
   */
  readonly onRow?: (json: string) => void;
  readonly onError?: (error: ErrorRecord) => void;
  /** Every row a record caused, every stream, in emission order (the report's facts). */
  readonly onRecordRows?: (rows: readonly Row[], record: SourceRecord) => void;
  /** A record over 1 MiB, with the warning's text. */
  readonly onOversized?: (warning: string) => void;
}

/** The counts of a replay before its first record. */
export function emptyCounts(): ReplayCounts {
  return {
    records: 0,
    blankLines: 0,
    rowsByStream: {},
    errorsByName: {},
    missingTimestamps: 0,
    oversized: 0,
  };
}

/** Kinesis's limit on one record's data plus partition key. */
export const maxRecordBytes = putRecordsLimits.maxRecordBytes;

/** Runs records through the application; `feed` each batch, then read `counts`. */
export class ReplayRun {
  readonly counts = emptyCounts();
  private readonly feeder: RecordFeeder;
  private readonly errorNameIndex: number;
  private readonly rowJson: ((values: Row["values"]) => string) | undefined;

  constructor(private readonly options: ReplayRunOptions) {
    this.feeder = new RecordFeeder(options.app);
    const info = options.app.streams.get(options.stream);
    this.rowJson =
      options.onRow === undefined || info === undefined
        ? undefined
        : compileRowJson(info, { trimChar: options.trimChar === true });
    const errors = options.app.streams.get(errorStreamName);
    this.errorNameIndex = errors?.columns.findIndex((c) => c.name === "ERROR_NAME") ?? -1;
  }

  feed(records: readonly SourceRecord[]): void {
    const { app, stream, onRow, onError, onRecordRows } = this.options;
    const rowJson = this.rowJson;
    const counts = this.counts;
    for (const record of records) {
      const fed = this.feeder.feed(record);
      if (fed === null) {
        counts.blankLines++;
        continue;
      }
      counts.records++;
      if (fed.missingTimestamp) counts.missingTimestamps++;
      if (record.bytes > maxRecordBytes) this.oversized(record);
      const rows = fed.rows;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        counts.rowsByStream[row.stream] = (counts.rowsByStream[row.stream] ?? 0) + 1;
        if (row.stream === errorStreamName) {
          const name = String(row.values[this.errorNameIndex]);
          counts.errorsByName[name] = (counts.errorsByName[name] ?? 0) + 1;
          if (onError !== undefined) {
            const info = app.streams.get(errorStreamName)!;
            onError({ ...originOf(record), ...rowToDeliveryObject(info, row) });
          }
        }
        if (row.stream === stream && rowJson !== undefined) onRow!(rowJson(row.values));
      }
      onRecordRows?.(rows, record);
    }
  }

  private oversized(record: SourceRecord): void {
    this.counts.oversized++;
    this.options.onOversized?.(oversizedWarning(record));
  }
}

/** The warning about a record over Kinesis's 1 MiB limit, pointing at where it came from. */
export function oversizedWarning(record: SourceRecord): string {
  return `${describeOrigin(record)}: a record of ${record.bytes.toLocaleString("en-US")} bytes; Kinesis refuses records over ${maxRecordBytes.toLocaleString("en-US")} bytes (1 MiB), so it could not have come from a stream`;
}

/**
 * The counts as the lines every replay prints on stderr:
 *
 * ```
 * 3002 records (jsonl)
 * rows: INTERMEDIATE_SQL_STREAM 3000, DESTINATION_SQL_STREAM 483, error_stream 2
 * errors: Parse_Error 1, Type_Conversion_Error 1
 * records without event_timestamp: 1 (they entered the source stream with a NULL timestamp; ...)
 * ```
 */
export function formatCounts(counts: ReplayCounts, source: string): string[] {
  const list = (entries: Record<string, number>): string =>
    Object.entries(entries)
      .map(([name, count]) => `${name} ${count}`)
      .join(", ") || "none";
  const blank = counts.blankLines > 0 ? `, ${counts.blankLines} blank lines skipped` : "";
  const lines = [
    `${counts.records} records (${source})${blank}`,
    `rows: ${list(counts.rowsByStream)}`,
    `errors: ${list(counts.errorsByName)}`,
  ];
  if (counts.missingTimestamps > 0) {
    lines.push(
      `records without event_timestamp: ${counts.missingTimestamps} (they entered the source stream with a NULL timestamp; docs/semantics.md, "Replay input")`,
    );
  }
  if (counts.oversized > 0) {
    lines.push(
      `records over 1 MiB: ${counts.oversized} (Kinesis refuses them; a stream could never hold them)`,
    );
  }
  return lines;
}
