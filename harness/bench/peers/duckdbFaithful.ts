/**
 * Peer "duckdb-faithful": sql/sessionize.sql translated to DuckDB with the lab's whole semantics as
 * docs/semantics.md states them, not only what the benchmark's clean clickstream needs: every line
 * read as text, `Parse_Error` and `Not_A_JSON_Object` records rejected, the schema's coercions
 * (an integer or a digit string for the BIGINT, a string, number or boolean for a VARCHAR(32),
 * truncated; anything else a `Type_Conversion_Error`), rejected records nobody's previous row,
 * ROWTIME from event_timestamp and clamped so it never decreases, pump 1's INSERT into VARCHAR(7)
 * and VARCHAR(10) columns sending too long values to error_stream, pump 2's LAST_VALUE over 24 h of
 * ROWTIME (a streaming RANGE: earlier rows only), CHAR(7) padding and NULLs carried through.
 * Destination rows go to stdout as JSON lines (DuckDB's COPY); the error_stream count to stderr.
 * Self-contained: it shares no code with the test oracles.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { parsePeerOptions, requireInput } from "../peerProtocol";

const maxVarchar = 32;

/** One VARCHAR(32) field of the schema: its text, or NULL, or a coercion error. */
function stringField(name: string): string {
  const value = `json_extract(record, '$.${name}')`;
  return `
    CASE WHEN json_type(${value}) IS NULL OR json_type(${value}) = 'NULL' THEN NULL
         WHEN json_type(${value}) = 'VARCHAR' THEN left(json_extract_string(record, '$.${name}'), ${maxVarchar})
         WHEN json_type(${value}) IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')
           THEN left(json_extract_string(record, '$.${name}'), ${maxVarchar})
    END AS ${name},
    json_type(${value}) IN ('OBJECT', 'ARRAY') AS ${name}_bad`;
}

function sourceSql(file: string, limit: number): string {
  const timestamp = `json_extract(record, '$.event_timestamp')`;
  const text = `json_extract_string(record, '$.event_timestamp')`;
  return `
  CREATE TEMP TABLE lines AS
    SELECT line, text FROM (
      SELECT row_number() OVER () AS line, text
      FROM read_csv('${file.replaceAll("'", "''")}', columns = {text: 'VARCHAR'}, header = false,
        delim = E'\\x01', quote = '', escape = '', auto_detect = false, strict_mode = false)
      WHERE trim(text, E' \\t\\r') <> ''
      ${Number.isFinite(limit) ? `LIMIT ${limit}` : ""});
  CREATE TEMP TABLE records AS
    WITH parsed AS (
      SELECT line, CASE WHEN json_valid(text) THEN text::JSON END AS record,
        json_valid(text) AS valid
      FROM lines
    ), mapped AS (
      SELECT line, valid, json_type(record) = 'OBJECT' AS is_object,
        ${stringField("user_id")},
        ${stringField("device_type")},
        CASE WHEN json_type(${timestamp}) IN ('BIGINT', 'UBIGINT') THEN try_cast(${text} AS BIGINT)
             WHEN json_type(${timestamp}) = 'VARCHAR' AND regexp_full_match(${text}, '-?[0-9]+')
               THEN try_cast(${text} AS BIGINT)
        END AS event_timestamp,
        json_type(${timestamp}) IS NOT NULL AND json_type(${timestamp}) <> 'NULL' AS has_timestamp
      FROM parsed
    )
    SELECT line, user_id, device_type, event_timestamp,
      CASE WHEN NOT valid THEN 'Parse_Error'
           WHEN NOT is_object THEN 'Not_A_JSON_Object'
           WHEN user_id_bad OR device_type_bad OR (has_timestamp AND event_timestamp IS NULL)
             THEN 'Type_Conversion_Error'
      END AS error_name,
      -- ROWTIME: the event's timestamp, else the previous record's; never decreasing.
      coalesce(max(event_timestamp) OVER (ORDER BY line ROWS UNBOUNDED PRECEDING), 0) AS rowtime
    FROM mapped`;
}

const destinationSql = `
  WITH source AS (SELECT * FROM records WHERE error_name IS NULL),
  pump1 AS (
    SELECT line, rowtime, event_timestamp, user_id, device_type,
      CASE WHEN event_timestamp - lag(event_timestamp, 1) OVER w > 10 * 1000 THEN event_timestamp
           WHEN event_timestamp - lag(event_timestamp, 1) OVER w IS NULL THEN event_timestamp
      END AS session_timestamp
    FROM source
    WINDOW w AS (PARTITION BY user_id ORDER BY line)
  ),
  -- INSERT INTO INTERMEDIATE_SQL_STREAM: VARCHAR(7) and VARCHAR(10) overflow is a row error.
  intermediate AS (
    SELECT * FROM pump1
    WHERE coalesce(length(user_id) <= 7, true) AND coalesce(length(device_type) <= 10, true)
  ),
  pump2 AS (
    SELECT line, user_id, device_type, event_timestamp, session_timestamp,
      -- LAST_VALUE(...) IGNORE NULLS over RANGE INTERVAL '24' HOUR PRECEDING: the newest earlier
      -- session start of the user, if its ROWTIME is within 24 h (ROWTIME never decreases, so no
      -- older start can be).
      last_value(session_timestamp IGNORE NULLS) OVER w AS last_session,
      last_value(CASE WHEN session_timestamp IS NOT NULL THEN rowtime END IGNORE NULLS) OVER w
        AS last_session_rowtime,
      rowtime
    FROM intermediate
    WINDOW w AS (PARTITION BY user_id ORDER BY line ROWS UNBOUNDED PRECEDING)
  )
  SELECT rpad(user_id, 7, ' ') AS user_id,
    user_id || '_' || device_type || '_' || strftime(epoch_ms(
      CASE WHEN rowtime - last_session_rowtime <= 24 * 60 * 60 * 1000 THEN last_session END),
      '%H:%M:%S') AS session_id,
    strftime(epoch_ms(session_timestamp), '%H:%M:%S') AS session_time,
    strftime(epoch_ms(event_timestamp), '%H:%M:%S') AS latest_time
  FROM pump2
  WHERE session_timestamp IS NOT NULL`;

/** error_stream: the rejected records and pump 1's rows that overflow INTERMEDIATE's columns. */
const errorCountSql = `
  SELECT (SELECT count(*) FROM records WHERE error_name IS NOT NULL)
    + (SELECT count(*) FROM records WHERE error_name IS NULL
         AND (length(user_id) > 7 OR length(device_type) > 10)) AS errors`;

async function main(): Promise<void> {
  const options = parsePeerOptions();
  if (options.scenario !== "sessionize") {
    throw new Error(`duckdb-faithful runs sql/sessionize.sql only, not ${options.scenario}`);
  }
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(sourceSql(requireInput(options), options.limit));
  await connection.run(`COPY (${destinationSql}) TO '/dev/stdout' (FORMAT json)`);
  const errors = (await connection.runAndReadAll(errorCountSql)).getRowObjectsJS()[0].errors;
  process.stderr.write(`bench-note: ${String(errors)} error_stream rows\n`);
  connection.closeSync();
  instance.closeSync();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
