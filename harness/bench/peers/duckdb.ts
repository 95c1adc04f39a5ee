/**
 * Peer "duckdb": DuckDB runs the hand translation of sql/sessionize.sql (test/oracles/duckdbSessionize.ts)
 * over the benchmark file, its own JSON reading included: the file is scanned as raw lines, every
 * line parsed by DuckDB's JSON functions, DESTINATION_SQL_STREAM materialised in a table.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { defaultStartMs } from "../clickstream";
import { materializeDestinationSql } from "../../../test/oracles/duckdbSessionize";
import { parsePeerOptions, reportResult, requireInput, secondsSince } from "../peerProtocol";

async function main(): Promise<void> {
  const options = parsePeerOptions();
  const file = requireInput(options).replaceAll("'", "''");
  const started = process.hrtime.bigint();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const limit = Number.isFinite(options.limit) ? `LIMIT ${options.limit}` : "";
  // One column per line: no delimiter or quote character can occur in the records. Arrival order is
  // the line order (DuckDB preserves insertion order by default); arrival times follow
  // benchArrivalTime: 1 ms apart.
  await connection.run(`CREATE TEMP TABLE lines AS
    SELECT 0 AS stream_id, (row_number() OVER () - 1)::INTEGER AS seq,
      ${defaultStartMs} + row_number() OVER () - 1 AS arrival, data
    FROM read_csv('${file}', columns = {'data': 'VARCHAR'}, header = false, delim = '\\x01',
      quote = '', escape = '', auto_detect = false) ${limit}`);
  await connection.run(materializeDestinationSql("lines", "destination_rows"));
  const counts = await connection.runAndReadAll(
    `SELECT (SELECT count(*) FROM lines) AS items, (SELECT count(*) FROM destination_rows) AS rows_out`,
  );
  const [row] = counts.getRowObjectsJS();
  const seconds = secondsSince(started);
  reportResult({
    peer: "duckdb",
    items: Number(row.items),
    unit: "events",
    seconds,
    outputRows: Number(row.rows_out),
    note: `${await threads(connection)} threads`,
  });
  connection.closeSync();
  instance.closeSync();
}

async function threads(connection: import("@duckdb/node-api").DuckDBConnection): Promise<string> {
  const reader = await connection.runAndReadAll("SELECT current_setting('threads') AS threads");
  return String(reader.getRowObjectsJS()[0].threads);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
