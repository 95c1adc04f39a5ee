/**
 * Peer "duckdb": each scenario as the batch query a data engineer would write for DuckDB over the
 * benchmark file: `read_json` of the file, the SQL's windows as DuckDB windows, the rows written to
 * stdout by DuckDB's own `COPY ... (FORMAT json)`. Arrival order is the line order, and ROWTIME is
 * taken as event_timestamp (the benchmark's timestamps never decrease). No error handling: the
 * clickstream holds no record the SQL would reject (peer `duckdb-faithful` has it).
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { parsePeerOptions, requireInput, type ScenarioName } from "../peerProtocol";

/** SOURCE_SQL_STREAM_001 from the file: the records in arrival order. */
function sourceSql(file: string, limit: number): string {
  return `CREATE TEMP TABLE source AS
  SELECT row_number() OVER () AS arrival, user_id, event_timestamp, device_type
  FROM (
    SELECT * FROM read_json('${file.replaceAll("'", "''")}', format = 'newline_delimited',
      columns = {user_id: 'VARCHAR', event_timestamp: 'BIGINT', device_type: 'VARCHAR'})
    ${Number.isFinite(limit) ? `LIMIT ${limit}` : ""}
  )`;
}

const queries: Record<ScenarioName, string> = {
  // sql/sessionize.sql's two pumps as one query over `source`.
  sessionize: `
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
  -- 24 h of the row.
  SELECT rpad(user_id, 7, ' ') AS user_id,
    user_id || '_' || device_type || '_' || strftime(epoch_ms(
      last_value(session_timestamp IGNORE NULLS) OVER (PARTITION BY user_id ORDER BY event_timestamp
        RANGE BETWEEN 24 * 60 * 60 * 1000 PRECEDING AND CURRENT ROW)), '%H:%M:%S') AS session_id,
    strftime(epoch_ms(session_timestamp), '%H:%M:%S') AS session_time,
    strftime(epoch_ms(event_timestamp), '%H:%M:%S') AS latest_time
  FROM intermediate
  WHERE session_timestamp IS NOT NULL`,
  // harness/bench/sql/clicksPerMinute.sql.
  "clicks-per-minute": `
  SELECT user_id, strftime(epoch_ms(event_timestamp), '%H:%M:%S') AS event_time,
    count(*) OVER w AS clicks_last_minute,
    sum(CASE WHEN device_type = 'mobile' THEN 1 ELSE 0 END) OVER w AS mobile_clicks_last_minute
  FROM source
  WINDOW w AS (PARTITION BY user_id ORDER BY event_timestamp
    RANGE BETWEEN 60 * 1000 PRECEDING AND CURRENT ROW)`,
};

async function main(): Promise<void> {
  const options = parsePeerOptions();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(sourceSql(requireInput(options), options.limit));
  await connection.run(`COPY (${queries[options.scenario]}) TO '/dev/stdout' (FORMAT json)`);
  connection.closeSync();
  instance.closeSync();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
