/**
 * An independent reference for `sql/sessionize.sql`: the lab's two pumps written by hand as one DuckDB
 * batch query over the raw records, following `docs/semantics.md` rule by rule. It shares no code
 * with the harness, so the differential test (`test/harness/emulator/differential.test.ts`) can hold
 * the two against each other.
 *
 * Input relation columns: `stream_id` (independent streams batched into one query), `seq` (arrival
 * order within the stream), `arrival` (epoch ms), `data` (the raw record text).
 *
 * Known limit: DuckDB's JSON reader is more lenient than RFC 8259 (it accepts trailing commas, `NaN`,
 * `Infinity`) and keeps the first of duplicate keys where JavaScript keeps the last; the generators
 * stay clear of those inputs.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** The 24 h of `RANGE INTERVAL '24' HOUR PRECEDING`, in ms. */
const lastValueRangeMs = 24 * 60 * 60 * 1000;

/** What an INSERT does with a string longer than its column (`docs/semantics.md`; the harness option). */
export type OverflowRule = "error" | "truncate";

/**
 * The CTE chain from raw records to SOURCE_SQL_STREAM_001, for any SQL over the lab's input schema:
 * defines `records`, every record with its ROWTIME (`rowtime`), `input_error` and, when accepted,
 * its source columns `user_id`, `event_timestamp` (BIGINT) and `device_type`.
 */
export function sourceCtes(inputRelation: string): string {
  return `
  clocked AS (
    -- ROWTIME: arrival time, clamped so it never goes below any earlier record's ROWTIME.
    SELECT stream_id, seq, data,
      max(arrival) OVER (PARTITION BY stream_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS rowtime
    FROM ${inputRelation}
  ),
  objects AS (
    -- try(): json_type raises on text that is not JSON; such a record is simply not an object.
    SELECT *, coalesce(try(json_type(data)) = 'OBJECT', false) AS is_object FROM clocked
  ),
  fields AS (
    -- One parse per record: the three mapped paths the lab's SQL reads.
    SELECT *,
      CASE WHEN is_object
        THEN json_extract(data, ['$.user_id', '$.event_timestamp', '$.device_type']) END AS f
    FROM objects
  ),
  mapped AS (
    SELECT stream_id, seq, data, rowtime, is_object,
      -- VARCHAR(32) input columns: missing or JSON null is NULL, longer strings are truncated.
      left(CASE WHEN json_type(f[1]) <> 'NULL' THEN json_extract_string(f[1], '$') END, 32) AS user_id,
      left(CASE WHEN json_type(f[3]) <> 'NULL' THEN json_extract_string(f[3], '$') END, 32)
        AS device_type,
      json_type(f[2]) AS ts_json_type,
      json_extract_string(f[2], '$') AS ts_text
    FROM fields
  ),
  coerced AS (
    -- BIGINT input column: a JSON integer, or a string holding a plain integer with optional '-';
    -- anything else is a coercion error (ts_error), as is an integer beyond BIGINT's range.
    SELECT *,
      CASE
        WHEN ts_json_type IN ('BIGINT', 'UBIGINT') THEN try_cast(ts_text AS BIGINT)
        WHEN ts_json_type = 'VARCHAR' AND regexp_full_match(ts_text, '-?[0-9]+')
          THEN try_cast(ts_text AS BIGINT)
      END AS event_timestamp
    FROM mapped
  ),
  records AS (
    SELECT *,
      NOT is_object
        OR (ts_json_type IS NOT NULL AND ts_json_type <> 'NULL' AND event_timestamp IS NULL)
        AS input_error
    FROM coerced
  )`;
}

/**
 * The CTE chain from raw records to pump 2's input. Defines `records` (see `sourceCtes`), `pump1`
 * (accepted records with LAG applied and the overflow verdict) and `intermediate` (pump 1 rows that
 * fit INTERMEDIATE_SQL_STREAM, with pump 2's LAST_VALUE).
 */
function pipelineCtes(inputRelation: string, overflow: OverflowRule): string {
  return `${sourceCtes(inputRelation)},
  lagged AS (
    -- STREAM_PUMP1 over SOURCE_SQL_STREAM_001 (accepted records only): LAG ... ROWS 1 PRECEDING by
    -- user in arrival order; NULL user ids share one partition, as in PARTITION BY.
    SELECT stream_id, seq, rowtime, user_id, device_type, event_timestamp,
      CASE
        WHEN event_timestamp - lag(event_timestamp) OVER w > 10 * 1000 THEN event_timestamp
        WHEN event_timestamp - lag(event_timestamp) OVER w IS NULL THEN event_timestamp
      END AS session_timestamp
    FROM records
    WHERE NOT input_error
    WINDOW w AS (PARTITION BY stream_id, user_id ORDER BY seq)
  ),
  pump1 AS (
    -- INSERT into INTERMEDIATE_SQL_STREAM's VARCHAR(7) user_id and VARCHAR(10) device_type: ${
      overflow === "error"
        ? "an overflowing row goes to error_stream instead."
        : "longer values are truncated."
    }
    SELECT stream_id, seq, rowtime, event_timestamp, session_timestamp,
      ${overflow === "error" ? "user_id" : "left(user_id, 7)"} AS user_id,
      ${overflow === "error" ? "device_type" : "left(device_type, 10)"} AS device_type,
      ${
        overflow === "error"
          ? "coalesce(length(user_id) > 7, false) OR coalesce(length(device_type) > 10, false)"
          : "false"
      } AS overflow
    FROM lagged
  ),
  intermediate AS (
    -- STREAM_PUMP2's LAST_VALUE(session_timestamp) IGNORE NULLS over RANGE 24 h PRECEDING: the last
    -- non-NULL value up to this row in arrival order, kept only if its ROWTIME is within 24 h.
    SELECT *,
      last_value(CASE WHEN session_timestamp IS NOT NULL
          THEN {'value': session_timestamp, 'rowtime': rowtime} END IGNORE NULLS)
        OVER (PARTITION BY stream_id, user_id ORDER BY seq
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS last_session
    FROM pump1
    WHERE NOT overflow
  ),
  destination AS (
    SELECT stream_id, seq, rowtime,
      rpad(user_id, 7, ' ') AS user_id,
      user_id || '_' || device_type || '_' || strftime(epoch_ms(
        CASE WHEN last_session.rowtime >= rowtime - ${lastValueRangeMs} THEN last_session.value END
      ), '%H:%M:%S') AS session_id,
      strftime(epoch_ms(session_timestamp), '%H:%M:%S') AS session_time,
      strftime(epoch_ms(event_timestamp), '%H:%M:%S') AS latest_time
    FROM intermediate
    WHERE session_timestamp IS NOT NULL
  )`;
}

/** Delivery form of a TIMESTAMP (`yyyy-MM-dd HH:mm:ss.SSS`, UTC). */
const deliveryTimestamp = (epochMsExpression: string): string =>
  `strftime(epoch_ms(${epochMsExpression}), '%Y-%m-%d %H:%M:%S.%g')`;

/**
 * Every row the application emits, one result row each, ordered by stream, output stream, seq:
 * `out_stream` is `INTERMEDIATE_SQL_STREAM`, `DESTINATION_SQL_STREAM` or `error_stream`, and
 * `vals` is a JSON array of the row's columns in delivery form (error rows: `[pump_name, data]`).
 */
export function emittedRowsSql(inputRelation: string, overflow: OverflowRule = "error"): string {
  return `WITH ${pipelineCtes(inputRelation, overflow)}
  SELECT stream_id, seq, 'INTERMEDIATE_SQL_STREAM' AS out_stream, rowtime,
    json_array(${deliveryTimestamp("event_timestamp")}, user_id, device_type,
      ${deliveryTimestamp("session_timestamp")})::VARCHAR AS vals
  FROM intermediate
  UNION ALL
  SELECT stream_id, seq, 'DESTINATION_SQL_STREAM', rowtime,
    json_array(user_id, session_id, session_time, latest_time)::VARCHAR
  FROM destination
  UNION ALL
  SELECT stream_id, seq, 'error_stream', rowtime, json_array(NULL, data)::VARCHAR
  FROM records WHERE input_error
  UNION ALL
  SELECT stream_id, seq, 'error_stream', rowtime, json_array('STREAM_PUMP1', NULL)::VARCHAR
  FROM pump1 WHERE overflow
  ORDER BY stream_id, out_stream, seq`;
}

/** One record of one stream, as the differential test feeds it to both engines. */
export interface ReferenceRecord {
  readonly data: string;
  readonly arrivalTime: number;
}

/** One emitted row, tagged with the stream it belongs to and the record (seq) that caused it. */
export interface ReferenceRow {
  readonly streamIndex: number;
  readonly seq: number;
  readonly outStream: string;
  readonly rowtime: number;
  /** Delivery form of the columns; error rows hold `[PUMP_NAME, raw record or null]`. */
  readonly values: readonly (string | number | null)[];
}

/**
 * Creates the input relation `table` (`stream_id`, `seq`, `arrival`, `data`) holding `streams`; the
 * caller drops it.
 */
export async function createRecordsTable(
  connection: DuckDBConnection,
  table: string,
  streams: readonly (readonly ReferenceRecord[])[],
): Promise<void> {
  await connection.run(
    `CREATE TABLE ${table} (stream_id INTEGER, seq INTEGER, arrival BIGINT, data VARCHAR)`,
  );
  const appender = await connection.createAppender(table);
  streams.forEach((records, streamIndex) =>
    records.forEach((record, seq) => {
      appender.appendInteger(streamIndex);
      appender.appendInteger(seq);
      appender.appendBigInt(BigInt(record.arrivalTime));
      appender.appendVarchar(record.data);
      appender.endRow();
    }),
  );
  appender.closeSync();
}

/** A DuckDB in-memory database holding the reference query; reuse one for many batches. */
export class DuckdbSessionizer {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async create(): Promise<DuckdbSessionizer> {
    const instance = await DuckDBInstance.create(":memory:");
    return new DuckdbSessionizer(instance, await instance.connect());
  }

  /** Names the input table of each `run`, so overlapping runs never see each other's records. */
  private runs = 0;

  /** Runs the reference over many independent streams at once; rows come back grouped by stream. */
  async run(
    streams: readonly (readonly ReferenceRecord[])[],
    overflow: OverflowRule = "error",
  ): Promise<ReferenceRow[]> {
    const table = `input_records_${++this.runs}`;
    await createRecordsTable(this.connection, table, streams);
    try {
      const reader = await this.connection.runAndReadAll(emittedRowsSql(table, overflow));
      return reader.getRowObjectsJS().map((row) => ({
        streamIndex: Number(row.stream_id),
        seq: Number(row.seq),
        outStream: String(row.out_stream),
        rowtime: Number(row.rowtime),
        values: JSON.parse(String(row.vals)) as (string | number | null)[],
      }));
    } finally {
      await this.connection.run(`DROP TABLE ${table}`);
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
