/**
 * Peer "duckdb": the lab's SQL as the batch query a data engineer would write for DuckDB, over the
 * benchmark file, its own JSON reading included: `read_json` of the file, pump 1's CASE over LAG
 * by user in arrival order, pump 2's LAST_VALUE and TIMESTAMP_TO_CHAR, DESTINATION_SQL_STREAM
 * materialised in a table. Arrival order is the line order and arrival times follow
 * `benchArrivalTime` (1 ms apart). The benchmark's clickstream holds no record the SQL would reject,
 * so the query has no error_stream.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { defaultStartMs } from "../clickstream";
import {
  parsePeerOptions,
  reportRows,
  requireInput,
  secondsSince,
  type DestinationRow,
} from "../peerProtocol";

/** Loads SOURCE_SQL_STREAM_001 from the file: the records in arrival order. */
function sourceSql(file: string, limit: number): string {
  return `CREATE TEMP TABLE source AS
  SELECT ${defaultStartMs} + row_number() OVER () - 1 AS arrival, user_id, event_timestamp,
    device_type
  FROM (
    SELECT * FROM read_json('${file.replaceAll("'", "''")}', format = 'newline_delimited',
      columns = {user_id: 'VARCHAR', event_timestamp: 'BIGINT', device_type: 'VARCHAR'})
    ${Number.isFinite(limit) ? `LIMIT ${limit}` : ""}
  )`;
}

/** sql/sessionize.sql's two pumps as one batch query over `source`. */
const destinationSql = `CREATE TEMP TABLE destination_rows AS
  WITH intermediate AS (
    -- STREAM_PUMP1: a gap over 10 s, or no previous event of the user, starts a session.
    SELECT arrival, event_timestamp, user_id, device_type,
      CASE WHEN event_timestamp - lag(event_timestamp, 1) OVER w > 10 * 1000 THEN event_timestamp
           WHEN event_timestamp - lag(event_timestamp, 1) OVER w IS NULL THEN event_timestamp
           ELSE NULL
      END AS session_timestamp
    FROM source
    WINDOW w AS (PARTITION BY user_id ORDER BY arrival)
  )
  -- STREAM_PUMP2: the rows that start a session, named by the user's last session start within
  -- 24 h of arrival.
  SELECT rpad(user_id, 7, ' ') AS user_id,
    user_id || '_' || device_type || '_' || strftime(epoch_ms(
      last_value(session_timestamp IGNORE NULLS) OVER (PARTITION BY user_id ORDER BY arrival
        RANGE BETWEEN 24 * 60 * 60 * 1000 PRECEDING AND CURRENT ROW)), '%H:%M:%S') AS session_id,
    strftime(epoch_ms(session_timestamp), '%H:%M:%S') AS session_time,
    strftime(epoch_ms(event_timestamp), '%H:%M:%S') AS latest_time
  FROM intermediate
  WHERE session_timestamp IS NOT NULL
  ORDER BY arrival`;

async function main(): Promise<void> {
  const options = parsePeerOptions();
  const file = requireInput(options);
  const started = process.hrtime.bigint();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(sourceSql(file, options.limit));
  await connection.run(destinationSql);
  const items = await connection.runAndReadAll("SELECT count(*) AS items FROM source");
  const seconds = secondsSince(started);
  const rows = (
    await connection.runAndReadAll(
      "SELECT user_id, session_id, session_time, latest_time FROM destination_rows",
    )
  ).getRowsJS() as DestinationRow[];
  const threads = await connection.runAndReadAll("SELECT current_setting('threads') AS threads");
  reportRows(
    {
      peer: "duckdb",
      items: Number(items.getRowObjectsJS()[0].items),
      seconds,
      note: `${String(threads.getRowObjectsJS()[0].threads)} threads`,
    },
    rows,
  );
  connection.closeSync();
  instance.closeSync();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
