/** Factories shared by the engine's unit tests. */
import type { InputSchema } from "../../../sql/inputSchema";
import { loadApplication, rowToDeliveryObject } from "../../../harness/emulator";
import type { ApplicationOptions, Row, SqlApplication } from "../../../harness/emulator/types";

/** A small schema for tests: a key, a BIGINT value, a text and an event time. */
export const testSchema: InputSchema = {
  namePrefix: "SOURCE_SQL_STREAM",
  streamName: "SOURCE_SQL_STREAM_001",
  recordFormat: "JSON",
  recordRowPath: "$",
  recordEncoding: "UTF-8",
  columns: [
    { name: "k", sqlType: "VARCHAR(8)", type: { kind: "VARCHAR", length: 8 }, mapping: "$.k" },
    { name: "v", sqlType: "BIGINT", type: { kind: "BIGINT" }, mapping: "$.v" },
    { name: "s", sqlType: "VARCHAR(20)", type: { kind: "VARCHAR", length: 20 }, mapping: "$.s" },
    { name: "t", sqlType: "TIMESTAMP", type: { kind: "TIMESTAMP" }, mapping: "$.t" },
  ],
};

/** One record of the test schema arriving at `arrivalTime`. */
export interface TestRecord {
  readonly record: Record<string, unknown> | string;
  readonly at: number;
}

export function rec(record: Record<string, unknown> | string, at: number): TestRecord {
  return { record, at };
}

/** Pushes records and collects the rows of every stream. */
export function pushAll(app: SqlApplication, records: readonly TestRecord[]): Row[] {
  const rows: Row[] = [];
  for (const r of records) {
    const data = typeof r.record === "string" ? r.record : JSON.stringify(r.record);
    rows.push(...app.push({ data, arrivalTime: r.at }));
  }
  return rows;
}

/**
 * Runs `sql` over records of `testSchema` and returns the delivery objects of `stream`
 * (`OUT` by default).
 */
export function run(
  sql: string,
  records: readonly TestRecord[],
  options: ApplicationOptions & { stream?: string } = {},
): Record<string, unknown>[] {
  const app = loadApplication(sql, { inputSchema: testSchema, ...options });
  const streamName = options.stream ?? "OUT";
  const stream = app.streams.get(streamName)!;
  return pushAll(app, records)
    .filter((row) => row.stream === streamName)
    .map((row) => rowToDeliveryObject(stream, row));
}

/** `SELECT STREAM <select> FROM source [WHERE ...]` into a stream `OUT` with the given columns. */
export function pumpSql(columns: string, select: string, where = ""): string {
  return `CREATE STREAM "OUT" (${columns});
CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM ${select} FROM "SOURCE_SQL_STREAM_001" ${where};`;
}

/** The single column of each row. */
export function column(rows: readonly Record<string, unknown>[]): unknown[] {
  return rows.map((r) => Object.values(r)[0]);
}
