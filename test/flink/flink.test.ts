/**
 * Engine `flink` against the harness, row for row (`npm run test:flink`; needs Java 17 and Maven).
 * Every golden case whose SQL the translator accepts (the emulator's, and the product application's,
 * all of which it must), the lab's SQL over the lab's 3,000-click stream, and a differential property over random clickstreams: the harness's rows and the rows
 * flink-runner computes from the translated SQL must be identical, error_stream included. A JVM
 * start costs seconds, so the streams of one SQL share one job (one run each) and all jobs share
 * one JVM. Cases the translator refuses must be refused with a line:column (docs/flink.md).
 * Seed with `FLINK_SEED=<n>`, set the number of random streams with `FLINK_STREAMS=<n>` and the
 * crowd stream's events (the benchmark's clickstream, 10,000 users) with `FLINK_CROWD=<n>`.
 */
import * as path from "path";
import { expect } from "chai";
import fc from "fast-check";
import {
  loadApplication,
  replayLines,
  rowToDeliveryObject,
  type ApplicationOptions,
} from "../../harness/emulator";
import {
  recordsFromArrivals,
  recordsFromReplayLines,
  runFlinkJobs,
  TranslateError,
  translateToFlink,
  type FlinkJob,
  type RunnerOutput,
} from "../../harness/flink";
import { generateClicks, labClickStream } from "../../harness/simulator/clickGenerator";
import { benchArrivalTime, generateClicks as generateCrowd } from "../../harness/bench/clickstream";
import { productInputSchema, readSessionizeSql, type InputSchema } from "../../sql/inputSchema";
import { clickstreamArbitrary, type ClickRecord } from "../support/clickstreamArbitrary";
import { loadGoldenFiles, type GoldenCase } from "../support/goldenCases";

type Row = Record<string, unknown>;

const seed = Number(process.env.FLINK_SEED ?? 20261130);
const streamCount = Number(process.env.FLINK_STREAMS ?? 200);
const crowdEvents = Number(process.env.FLINK_CROWD ?? 100_000);
const compared = ["DESTINATION_SQL_STREAM", "INTERMEDIATE_SQL_STREAM", "error_stream"];

/**
 * Rows as delivered (JSON text), with the one documented difference in error rows: a record whose
 * bytes are not JSON is reported with the JSON parser's own words after "Record is not valid JSON: "
 * (docs/flink.md).
 */
function normalized(rows: readonly Row[]): Row[] {
  // Rows are compared as delivered: JSON text, where the harness's -0 is 0.
  return (JSON.parse(JSON.stringify(rows)) as Row[]).map((row) =>
    row.ERROR_NAME === "Parse_Error" && typeof row.MESSAGE === "string"
      ? { ...row, MESSAGE: row.MESSAGE.replace(/^(Record is not valid JSON: ).*$/s, "$1<parser>") }
      : row,
  );
}

function flinkRows(output: RunnerOutput, run: number, stream: string): Row[] {
  return output.get(run)?.get(stream) ?? [];
}

/** The harness's rows of every compared stream for records pushed one by one. */
function harnessRows(records: readonly ClickRecord[], sql: string, options: ApplicationOptions) {
  const app = loadApplication(sql, options);
  const rows = new Map<string, Row[]>(compared.map((s) => [s, []]));
  for (const record of records) {
    for (const row of app.push({ data: record.data, arrivalTime: record.arrivalTime })) {
      rows.get(row.stream)?.push(rowToDeliveryObject(app.streams.get(row.stream)!, row));
    }
  }
  return rows;
}

/** A second application: every window function the translator covers, over the same records. */
const windowsSql = `
CREATE OR REPLACE STREAM "INTERMEDIATE_SQL_STREAM" ("user_id" VARCHAR(7), "ts" BIGINT, "n" BIGINT,
  "prev" BIGINT, "prev2" BIGINT, "first3" VARCHAR(10), "lastdev" VARCHAR(10), "recent" TIMESTAMP);
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "INTERMEDIATE_SQL_STREAM"
SELECT STREAM "user_id", "event_timestamp",
  COUNT(*) OVER (PARTITION BY "user_id" ROWS 3 PRECEDING),
  LAG("event_timestamp", 1, -1) OVER (PARTITION BY "user_id" ROWS 1 PRECEDING),
  LAG("event_timestamp", 2) OVER (PARTITION BY "device_type" RANGE INTERVAL '10' SECOND PRECEDING),
  FIRST_VALUE("device_type") OVER (PARTITION BY "user_id" ROWS 2 PRECEDING),
  LAST_VALUE("device_type") IGNORE NULLS OVER (PARTITION BY "user_id" ROWS 2 PRECEDING),
  TO_TIMESTAMP(LAST_VALUE("event_timestamp") IGNORE NULLS OVER (RANGE INTERVAL '1' MINUTE PRECEDING))
FROM "SOURCE_SQL_STREAM_001";
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("user_id" CHAR(7), "total" BIGINT, "mean" BIGINT,
  "low" BIGINT, "high" BIGINT, "seen" BIGINT, "gap" BIGINT, "label" VARCHAR(40), "ok" BOOLEAN,
  "r_n" BIGINT, "r_sum" BIGINT, "r_avg" BIGINT, "r_min" VARCHAR(10), "r_max" BIGINT,
  "r_first" VARCHAR(10), "r_first2" BIGINT, "r_cnt" BIGINT);
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM "user_id",
  SUM("n") OVER (PARTITION BY "first3" ROWS 4 PRECEDING),
  AVG("ts") OVER (PARTITION BY "user_id" ROWS 2 PRECEDING),
  MIN("prev") OVER (ROWS 5 PRECEDING),
  MAX("ts") OVER (PARTITION BY "lastdev" ROWS 5 PRECEDING),
  COUNT("prev2") OVER (PARTITION BY "user_id" ROWS 10 PRECEDING),
  ("ts" - "prev") / 1000,
  COALESCE("lastdev", 'none') || ':' || CAST("n" AS VARCHAR(5)) || ':' ||
    TIMESTAMP_TO_CHAR('yyyy-MM-dd HH:mm:ss.SSS', "recent"),
  CASE WHEN "ts" > "prev" AND NOT ("user_id" = 'user1') THEN TRUE WHEN "prev" IS NULL THEN NULL
    ELSE FALSE END,
  COUNT(*) OVER (PARTITION BY "user_id" RANGE INTERVAL '10' SECOND PRECEDING),
  SUM("n") OVER (PARTITION BY "user_id" RANGE INTERVAL '10' SECOND PRECEDING),
  AVG("ts") OVER (RANGE INTERVAL '20' SECOND PRECEDING),
  MIN("lastdev") OVER (PARTITION BY "user_id" RANGE INTERVAL '1' MINUTE PRECEDING),
  MAX("prev") OVER (PARTITION BY "lastdev" RANGE INTERVAL '5' SECOND PRECEDING),
  FIRST_VALUE("first3") OVER (PARTITION BY "user_id" RANGE INTERVAL '15' SECOND PRECEDING),
  FIRST_VALUE("prev2") IGNORE NULLS OVER (RANGE INTERVAL '15' SECOND PRECEDING),
  COUNT("prev2") OVER (PARTITION BY "user_id" RANGE INTERVAL '30' SECOND PRECEDING)
FROM "INTERMEDIATE_SQL_STREAM" WHERE "user_id" <> 'u';
`;

const productGoldenDirectory = path.join(__dirname, "..", "sql", "golden");

/** The input schema a golden case's SQL is deployed with. */
function inputSchemaOf(goldenCase: GoldenCase): InputSchema | undefined {
  return goldenCase.sqlName === "product" ? productInputSchema : undefined;
}

describe("engine flink: the translated SQL on Flink gives the harness's rows", function () {
  this.timeout(30 * 60 * 1000);

  // Every job of the suite, run in one JVM before the comparisons.
  const jobs: FlinkJob[] = [];
  let outputs: RunnerOutput[] = [];

  // Golden cases, grouped into one job per SQL and options (every stream the group's cases read is
  // an output): each case is one run.
  // The emulator's golden files, and the product application's (test/sql/golden, read with the
  // product's input schema, as test/sql/product.test.ts replays them).
  const cases = [...loadGoldenFiles(), ...loadGoldenFiles(productGoldenDirectory)]
    .flatMap((file) => file.cases)
    .filter((c) => c.expected !== undefined && c.timeZone === undefined);
  const groups = new Map<string, GoldenCase[]>();
  for (const goldenCase of cases) {
    const { overflow, timestampToCharNull } = goldenCase.options;
    const key = JSON.stringify([goldenCase.sql, goldenCase.sqlName, overflow, timestampToCharNull]);
    groups.set(key, [...(groups.get(key) ?? []), goldenCase]);
  }
  const refused: { goldenCase: GoldenCase; error: unknown }[] = [];
  const golden: { goldenCase: GoldenCase; job: number; run: number }[] = [];
  for (const group of groups.values()) {
    const { overflow, timestampToCharNull } = group[0].options;
    let spec;
    try {
      const streams = [...new Set(group.map((c) => c.stream))];
      spec = translateToFlink(group[0].sql, {
        inputSchema: inputSchemaOf(group[0]),
        overflow,
        timestampToCharNull,
        outputs: streams,
      }).spec;
    } catch (error) {
      refused.push(...group.map((goldenCase) => ({ goldenCase, error })));
      continue;
    }
    const job = jobs.push({ spec, records: [] }) - 1;
    const records = group.flatMap((goldenCase, run) => {
      golden.push({ goldenCase, job, run });
      return recordsFromReplayLines(goldenCase.input, run);
    });
    jobs[job] = { spec, records };
  }

  // The lab's SQL over the lab's 3,000-click stream (replayed as bare events).
  const labLines = [
    ...generateClicks({ ...labClickStream, seed: 1, startMs: 1_700_000_000_000 }),
  ].map((click) => JSON.stringify(click.record));
  const labJob =
    jobs.push({
      spec: translateToFlink(readSessionizeSql(), { outputs: compared.slice(0, 2) }).spec,
      records: recordsFromReplayLines(labLines),
    }) - 1;

  // The benchmark's crowd: many users, one record per millisecond.
  const crowd = [...generateCrowd({ events: crowdEvents, users: 10_000, seed: 1 })].map(
    (data, i) => ({ data, arrivalTime: benchArrivalTime(i) }),
  );
  const crowdJob =
    jobs.push({
      spec: translateToFlink(readSessionizeSql(), { outputs: compared.slice(0, 2) }).spec,
      records: recordsFromArrivals(crowd),
    }) - 1;

  // Random clickstreams, one run each, through the lab's SQL (both overflow rules) and windowsSql.
  const streams = fc.sample(clickstreamArbitrary({ trailingBlankOverflow: true }), {
    seed,
    numRuns: streamCount,
  });
  const randomJobs = (
    [
      [readSessionizeSql(), { overflow: "error" }],
      [readSessionizeSql(), { overflow: "truncate" }],
      [windowsSql, { overflow: "error" }],
    ] as const
  ).map(([sql, options]) => ({
    sql,
    options,
    job:
      jobs.push({
        spec: translateToFlink(sql, { ...options, outputs: compared.slice(0, 2) }).spec,
        records: streams.flatMap((stream, run) => recordsFromArrivals(stream, run)),
      }) - 1,
  }));

  before(function () {
    outputs = runFlinkJobs(jobs);
  });

  it("refuses, with a line:column, only golden SQL it cannot translate exactly", () => {
    for (const { goldenCase, error } of refused) {
      expect(error, goldenCase.source).to.be.instanceOf(TranslateError);
      expect((error as Error).message, goldenCase.source).to.match(/ at \d+:\d+ to Flink SQL: /);
    }
    expect(golden.length).to.be.greaterThan(refused.length);
    // The product's SQL is what new stacks deploy: every one of its cases must run on Flink.
    expect(refused.filter((r) => r.goldenCase.sqlName === "product")).to.deep.equal([]);
    expect(golden.filter((g) => g.goldenCase.sqlName === "product").length).to.be.greaterThan(5);
  });

  it("gives every translated golden case's rows exactly", () => {
    for (const { goldenCase, job, run } of golden) {
      const expected = [
        ...replayLines(goldenCase.sql, goldenCase.input, {
          stream: goldenCase.stream,
          ...goldenCase.options,
          inputSchema: inputSchemaOf(goldenCase),
        }),
      ];
      let actual = flinkRows(outputs[job], run, goldenCase.stream);
      if (goldenCase.options.trimChar === true) {
        const charColumns = jobs[job].spec.outputs
          .flatMap((o) => o.columns)
          .filter((c) => c.kind === "CHAR")
          .map((c) => c.name);
        actual = actual.map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [
              k,
              charColumns.includes(k) && typeof v === "string" ? v.replace(/ +$/, "") : v,
            ]),
          ),
        );
      }
      expect(normalized(actual), `${goldenCase.source}: ${goldenCase.name}`).to.deep.equal(
        normalized(expected as Row[]),
      );
    }
  });

  it("gives the lab SQL's rows over the lab's 3,000 clicks exactly", () => {
    for (const stream of compared) {
      const expected = [...replayLines(readSessionizeSql(), labLines, { stream })];
      expect(normalized(flinkRows(outputs[labJob], 0, stream)), stream).to.deep.equal(
        normalized(expected),
      );
      if (stream === "DESTINATION_SQL_STREAM") expect(expected.length).to.be.greaterThan(40);
    }
  });

  it(`gives the lab SQL's rows over a ${crowdEvents}-event crowd stream exactly`, () => {
    const expected = harnessRows(crowd, readSessionizeSql(), {});
    for (const stream of compared) {
      const actual = normalized(flinkRows(outputs[crowdJob], 0, stream));
      expect(actual.length, stream).to.equal(expected.get(stream)!.length);
      expect(actual, stream).to.deep.equal(normalized(expected.get(stream)!));
    }
  });

  it(`gives the harness's rows on ${streamCount} random clickstreams (lab SQL and every window)`, () => {
    for (const { sql, options, job } of randomJobs) {
      streams.forEach((stream, run) => {
        const expected = harnessRows(stream, sql, options);
        for (const name of compared) {
          expect(
            normalized(flinkRows(outputs[job], run, name)),
            `${options.overflow} ${sql === windowsSql ? "windowsSql" : "lab SQL"}, stream ${run}, ${name}:\n` +
              stream.map((r) => `  ${r.arrivalTime} ${r.data}`).join("\n"),
          ).to.deep.equal(normalized(expected.get(name)!));
        }
      });
    }
  });
});
