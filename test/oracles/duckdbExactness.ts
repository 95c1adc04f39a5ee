/**
 * Independent references, in DuckDB, for two exactness rules of `docs/semantics.md` that the lab's
 * SQL does not reach: 64-bit BIGINT arithmetic with SUM and AVG over ROWS and RANGE windows near
 * ±2^63 (DuckDB sums in 128-bit HUGEINT, so an overflow is seen, not suffered), and
 * `TIMESTAMP_TO_CHAR`'s Java pattern letters, each computed from DuckDB's calendar functions with
 * the US week rules written out (a week ends on Saturday; the week year and week of year are those
 * of that Saturday). Shares no code with the harness; the SQL each reference answers is exported
 * beside it.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { createRecordsTable, sourceCtes, type ReferenceRecord } from "./duckdbSessionize";

/**
 * Three pumps over SOURCE_SQL_STREAM_001: SUM and AVG over `ROWS 2 PRECEDING`, over
 * `RANGE INTERVAL '2' SECOND PRECEDING`, and plain BIGINT arithmetic, each into its own stream.
 */
export const bigintSumsSql = `
CREATE OR REPLACE STREAM "ROWS_OUT" ("user_id" VARCHAR(32), "v" BIGINT, "s" BIGINT, "a" BIGINT);
CREATE OR REPLACE PUMP "ROWS_PUMP" AS INSERT INTO "ROWS_OUT"
SELECT STREAM "user_id", "event_timestamp",
    SUM("event_timestamp") OVER (PARTITION BY "user_id" ROWS 2 PRECEDING),
    AVG("event_timestamp") OVER (PARTITION BY "user_id" ROWS 2 PRECEDING)
FROM "SOURCE_SQL_STREAM_001";
CREATE OR REPLACE STREAM "RANGE_OUT" ("user_id" VARCHAR(32), "v" BIGINT, "s" BIGINT, "a" BIGINT);
CREATE OR REPLACE PUMP "RANGE_PUMP" AS INSERT INTO "RANGE_OUT"
SELECT STREAM "user_id", "event_timestamp",
    SUM("event_timestamp") OVER (PARTITION BY "user_id" RANGE INTERVAL '2' SECOND PRECEDING),
    AVG("event_timestamp") OVER (PARTITION BY "user_id" RANGE INTERVAL '2' SECOND PRECEDING)
FROM "SOURCE_SQL_STREAM_001";
CREATE OR REPLACE STREAM "ARITH_OUT" ("next" BIGINT, "previous" BIGINT, "half" BIGINT, "twice" BIGINT);
CREATE OR REPLACE PUMP "ARITH_PUMP" AS INSERT INTO "ARITH_OUT"
SELECT STREAM "event_timestamp" + 1, "event_timestamp" - 1, "event_timestamp" / 2,
    "event_timestamp" * 2
FROM "SOURCE_SQL_STREAM_001";
`;

/**
 * What one record caused in one pump of `bigintSumsSql`: the row's values, or null when the row
 * overflowed; `INPUT` (values null) for a record the input mapping rejects.
 */
export interface PumpOutcome {
  readonly streamIndex: number;
  readonly seq: number;
  readonly pump: "ARITH_PUMP" | "INPUT" | "RANGE_PUMP" | "ROWS_PUMP";
  /** The row's values as a JSON array with exact digits; null for an error row. */
  readonly values: string | null;
}

const inBigint = (expression: string): string =>
  `(${expression}) BETWEEN -9223372036854775808 AND 9223372036854775807`;

/** A BIGINT (or HUGEINT) as JSON text: its digits, or null. */
const number = (expression: string): string => `coalesce((${expression})::VARCHAR, 'null')`;

/** A row's JSON array, or NULL when one of `checked` is outside BIGINT (the row overflowed). */
function outcome(values: readonly string[], checked: readonly string[]): string {
  const fits = checked.map((c) => `coalesce(${inBigint(c)}, true)`).join(" AND ");
  return `CASE WHEN ${fits} THEN '[' || ${values.join(" || ',' || ")} || ']' END`;
}

/** Window aggregates as HUGEINT: the total, and AVG truncated toward zero (`//` truncates). */
const average = (sum: string, count: string): string =>
  `CASE WHEN ${count} > 0 THEN ${sum} // ${count} END`;

function bigintSumsQuery(table: string): string {
  const user = "coalesce(to_json(user_id)::VARCHAR, 'null')";
  return `WITH ${sourceCtes(table)},
  accepted AS (SELECT * FROM records WHERE NOT input_error),
  rows_window AS (
    SELECT *,
      sum(event_timestamp::HUGEINT) OVER w AS s,
      count(event_timestamp) OVER w AS n
    FROM accepted
    WINDOW w AS (PARTITION BY stream_id, user_id ORDER BY seq ROWS 2 PRECEDING)
  ),
  range_window AS (
    -- RANGE on ROWTIME, both ends inclusive, seeing earlier arrivals only: a self-join, because
    -- DuckDB's RANGE frame would also see later rows with the same ROWTIME.
    SELECT r.stream_id, r.seq, r.user_id, r.event_timestamp,
      sum(x.event_timestamp::HUGEINT) AS s, count(x.event_timestamp) AS n
    FROM accepted r JOIN accepted x
      ON x.stream_id = r.stream_id AND x.user_id IS NOT DISTINCT FROM r.user_id
        AND x.seq <= r.seq AND x.rowtime >= r.rowtime - 2000
    GROUP BY r.stream_id, r.seq, r.user_id, r.event_timestamp
  )
  SELECT stream_id, seq, 'ROWS_PUMP' AS pump,
    ${outcome([user, number("event_timestamp"), number("s"), number(average("s", "n"))], ["s"])} AS vals
  FROM rows_window
  UNION ALL
  SELECT stream_id, seq, 'RANGE_PUMP',
    ${outcome([user, number("event_timestamp"), number("s"), number(average("s", "n"))], ["s"])}
  FROM range_window
  UNION ALL
  SELECT stream_id, seq, 'ARITH_PUMP',
    ${(() => {
      const v = "event_timestamp::HUGEINT";
      const results = [`${v} + 1`, `${v} - 1`, `${v} // 2`, `${v} * 2`];
      return outcome(results.map(number), results);
    })()}
  FROM accepted
  UNION ALL
  SELECT stream_id, seq, 'INPUT', NULL FROM records WHERE input_error
  ORDER BY stream_id, pump, seq`;
}

/**
 * `TIMESTAMP_TO_CHAR`'s pattern letters as the reference computes them, each with the DuckDB
 * expression of its text for a TIMESTAMP `d` (UTC). Years 1970 to 2100 only: `G` is always AD there.
 */
const patternLetters: readonly (readonly [pattern: string, duckdb: string])[] = [
  ["G", "'AD'"],
  ["yyyy", "lpad(year(d)::VARCHAR, 4, '0')"],
  ["yy", "lpad((year(d) % 100)::VARCHAR, 2, '0')"],
  ["y", "year(d)::VARCHAR"],
  ["YYYY", "lpad(year(saturday)::VARCHAR, 4, '0')"],
  ["YY", "lpad((year(saturday) % 100)::VARCHAR, 2, '0')"],
  ["ww", "lpad(((dayofyear(saturday) - 1) // 7 + 1)::VARCHAR, 2, '0')"],
  ["w", "((dayofyear(saturday) - 1) // 7 + 1)::VARCHAR"],
  ["W", "((day(d) + dayofweek(date_trunc('month', d)) - 1) // 7 + 1)::VARCHAR"],
  ["MMMM", "strftime(d, '%B')"],
  ["MMM", "strftime(d, '%b')"],
  ["MM", "lpad(month(d)::VARCHAR, 2, '0')"],
  ["DDD", "lpad(dayofyear(d)::VARCHAR, 3, '0')"],
  ["D", "dayofyear(d)::VARCHAR"],
  ["dd", "lpad(day(d)::VARCHAR, 2, '0')"],
  ["F", "((day(d) - 1) // 7 + 1)::VARCHAR"],
  ["EEEE", "strftime(d, '%A')"],
  ["E", "strftime(d, '%a')"],
  ["u", "isodow(d)::VARCHAR"],
  ["a", "strftime(d, '%p')"],
  ["HH", "lpad(hour(d)::VARCHAR, 2, '0')"],
  ["kk", "lpad((CASE hour(d) WHEN 0 THEN 24 ELSE hour(d) END)::VARCHAR, 2, '0')"],
  ["K", "(hour(d) % 12)::VARCHAR"],
  ["hh", "lpad((CASE hour(d) % 12 WHEN 0 THEN 12 ELSE hour(d) % 12 END)::VARCHAR, 2, '0')"],
  ["mm", "lpad(minute(d)::VARCHAR, 2, '0')"],
  ["ss", "lpad(second(d)::VARCHAR, 2, '0')"],
  ["SSS", "lpad((microsecond(d) // 1000 % 1000)::VARCHAR, 3, '0')"],
  ["z", "'UTC'"],
  ["Z", "'+0000'"],
  ["X", "'Z'"],
  ["'w''Y'", "'w''Y'"],
];

/** The pattern the harness formats with: every letter above, separated by `|`. */
export const timestampPattern = patternLetters.map(([pattern]) => pattern).join("|");

function timestampTextsQuery(table: string): string {
  return `SELECT ms, ${patternLetters.map(([, sql]) => sql).join(" || '|' || ")} AS text
  FROM (
    SELECT seq, ms, d,
      -- The Saturday that ends d's week (weeks start on Sunday; dayofweek: Sunday = 0).
      d::DATE + (6 - dayofweek(d))::INTEGER AS saturday
    FROM (SELECT seq, ms, epoch_ms(ms) AS d FROM ${table})
  )
  ORDER BY seq`;
}

/** A DuckDB in-memory database answering both references; reuse one for many batches. */
export class DuckdbExactness {
  private runs = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async create(): Promise<DuckdbExactness> {
    const instance = await DuckDBInstance.create(":memory:");
    return new DuckdbExactness(instance, await instance.connect());
  }

  /** Every accepted record's outcome in each pump of `bigintSumsSql`. */
  async bigintSums(streams: readonly (readonly ReferenceRecord[])[]): Promise<PumpOutcome[]> {
    const table = `bigint_records_${++this.runs}`;
    await createRecordsTable(this.connection, table, streams);
    try {
      const reader = await this.connection.runAndReadAll(bigintSumsQuery(table));
      return reader.getRowObjectsJS().map((row) => ({
        streamIndex: Number(row.stream_id),
        seq: Number(row.seq),
        pump: String(row.pump) as PumpOutcome["pump"],
        values: row.vals === null ? null : String(row.vals),
      }));
    } finally {
      await this.connection.run(`DROP TABLE ${table}`);
    }
  }

  /** `TIMESTAMP_TO_CHAR(timestampPattern, ts)` of each epoch millisecond. */
  async timestampTexts(milliseconds: readonly number[]): Promise<string[]> {
    const table = `timestamps_${++this.runs}`;
    await this.connection.run(`CREATE TABLE ${table} (seq INTEGER, ms BIGINT)`);
    try {
      const appender = await this.connection.createAppender(table);
      milliseconds.forEach((ms, seq) => {
        appender.appendInteger(seq);
        appender.appendBigInt(BigInt(ms));
        appender.endRow();
      });
      appender.closeSync();
      const reader = await this.connection.runAndReadAll(timestampTextsQuery(table));
      return reader.getRowObjectsJS().map((row) => String(row.text));
    } finally {
      await this.connection.run(`DROP TABLE ${table}`);
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
