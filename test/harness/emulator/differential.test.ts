/**
 * Differential testing of the lab's SQL: random clickstreams through independent implementations of
 * `sql/sessionize.sql` must give the same rows. Beyond the lab's SQL, BIGINT sums and arithmetic
 * near ±2^63 and TIMESTAMP_TO_CHAR's pattern letters are held to DuckDB as well
 * (`test/oracles/duckdbExactness.ts`). The reference is a hand translation into DuckDB SQL
 * (`bench/duckdbSessionize.ts`) that shares no code with the harness; the harness must match it row
 * for row on INTERMEDIATE_SQL_STREAM, DESTINATION_SQL_STREAM and error_stream, ROWTIME included.
 * The single-pass JavaScript sessionizer the benchmark uses is held to DuckDB as well.
 * Seed with `DIFF_SEED=<n>`, set the number of batches with `DIFF_RUNS=<n>` (default 120 batches of
 * up to 25 streams each, and a fifth of that with overflow: truncate: about 1,900 streams and
 * 55,000 records through the harness).
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  DuckdbSessionizer,
  type OverflowRule,
  type ReferenceRow,
} from "../../oracles/duckdbSessionize";
import {
  loadApplication,
  parseJson,
  replayLines,
  rowToDeliveryObject,
  type SqlApplication,
} from "../../../harness/emulator";
import {
  bigintSumsSql,
  DuckdbExactness,
  timestampPattern,
  type PumpOutcome,
} from "../../oracles/duckdbExactness";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { HandwrittenSessionizer } from "../../oracles/handwrittenSessionizer";
import {
  type ClickRecord,
  type ClickstreamShape,
  clickstreamArbitrary,
  describeStream,
} from "../../support/clickstreamArbitrary";

const seed = Number(process.env.DIFF_SEED ?? 20260122);
const numRuns = Number(process.env.DIFF_RUNS ?? 120);
const streamsPerRun = 25;

const t0 = 1654000000000; // 2022-05-31 12:26:40.000 UTC
const click = (user: string, timestamp: unknown, device?: string): string =>
  JSON.stringify({
    user_id: user,
    event_timestamp: timestamp,
    event_type: "click",
    device_type: device,
  });

/** A hand-checked stream: the lab's rules one by one, with the rows worked out by hand. */
const handCheckedStream: readonly ClickRecord[] = [
  { data: click("user1", String(t0), "desktop"), arrivalTime: t0 }, // first click: a session
  { data: click("user1", String(t0 + 2000), "desktop"), arrivalTime: t0 + 2000 },
  { data: click("user1", String(t0 + 12001), "desktop"), arrivalTime: t0 + 12001 }, // gap 10001
  { data: click("user1", String(t0 + 22001), "desktop"), arrivalTime: t0 + 22001 }, // gap 10000
  { data: click("user2", t0 + 5000, "mobile"), arrivalTime: t0 + 22001 }, // numeric timestamp
  { data: "not json", arrivalTime: t0 + 22002 },
  { data: click("user2", "1.5", "mobile"), arrivalTime: t0 + 22003 }, // coercion error
  { data: click("user2", String(t0 + 15001), "mobile"), arrivalTime: t0 + 22004 }, // 10001 after #4
  { data: click("eight888", String(t0), "mobile"), arrivalTime: t0 + 22005 }, // VARCHAR(7) overflow
  { data: click("user3", String(t0 + 999)), arrivalTime: t0 + 22006 }, // no device_type
];

const handCheckedDestination = [
  ["user1  ", "user1_desktop_12:26:40", "12:26:40", "12:26:40"],
  ["user1  ", "user1_desktop_12:26:52", "12:26:52", "12:26:52"],
  ["user2  ", "user2_mobile_12:26:45", "12:26:45", "12:26:45"],
  ["user2  ", "user2_mobile_12:26:55", "12:26:55", "12:26:55"],
  ["user3  ", null, "12:26:40", "12:26:40"],
];

const sessionizeSql = readSessionizeSql();
const comparedStreams = ["DESTINATION_SQL_STREAM", "INTERMEDIATE_SQL_STREAM", "error_stream"];

/**
 * The harness's rows for one stream in the reference's shape: delivery values, the seq of the record
 * that caused each row, and for error_stream `[PUMP_NAME, the raw record for input errors]`. Every
 * other record is pushed as bytes, the rest as text.
 */
function harnessRows(
  records: readonly ClickRecord[],
  streamIndex: number,
  options: { overflow: OverflowRule } = { overflow: "error" },
): ReferenceRow[] {
  const application: SqlApplication = loadApplication(sessionizeSql, options);
  const errorColumns = application.streams.get("error_stream")!.columns.map((c) => c.name);
  const dataRowColumn = errorColumns.indexOf("DATA_ROW");
  const pumpNameColumn = errorColumns.indexOf("PUMP_NAME");
  const encoder = new TextEncoder();
  const rows: ReferenceRow[] = [];
  records.forEach((record, seq) => {
    const data = seq % 2 === 0 ? record.data : encoder.encode(record.data);
    for (const row of application.push({ data, arrivalTime: record.arrivalTime })) {
      if (!comparedStreams.includes(row.stream)) continue;
      let values: (string | number | null)[];
      if (row.stream === "error_stream") {
        const pumpName = row.values[pumpNameColumn] as string | null;
        const dataRow = row.values[dataRowColumn] as string;
        values = [
          pumpName,
          pumpName === null ? Buffer.from(dataRow, "hex").toString("utf8") : null,
        ];
      } else {
        const stream = application.streams.get(row.stream)!;
        values = Object.values(rowToDeliveryObject(stream, row)) as (string | number | null)[];
      }
      rows.push({ streamIndex, seq, outStream: row.stream, rowtime: row.rowtime, values });
    }
  });
  const order = (row: ReferenceRow) => `${row.outStream} ${String(row.seq).padStart(6, "0")}`;
  return rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

const rowsOf = (rows: readonly ReferenceRow[], stream: string, streamIndex = 0) =>
  rows.filter((row) => row.outStream === stream && row.streamIndex === streamIndex);

function handwrittenRows(records: readonly ClickRecord[]) {
  const sessionizer = new HandwrittenSessionizer();
  const destination = records.flatMap((record) => {
    const row = sessionizer.push(record.data);
    return row === null ? [] : [row];
  });
  return { destination, errorRows: sessionizer.errorRows };
}

describe("differential testing of sql/sessionize.sql", function () {
  let duckdb: DuckdbSessionizer;

  before(async () => {
    duckdb = await DuckdbSessionizer.create();
  });

  after(() => duckdb.close());

  describe("the DuckDB reference", () => {
    it("emits the hand-worked DESTINATION rows for a stream covering the lab's rules", async () => {
      const rows = await duckdb.run([handCheckedStream]);

      expect(rowsOf(rows, "DESTINATION_SQL_STREAM").map((row) => row.values)).to.deep.equal(
        handCheckedDestination,
      );
      expect(rowsOf(rows, "DESTINATION_SQL_STREAM").map((row) => row.seq)).to.deep.equal([
        0, 2, 4, 7, 9,
      ]);
    });

    it("sends bad records to error_stream as input errors and overflowing rows as STREAM_PUMP1's", async () => {
      const rows = await duckdb.run([handCheckedStream]);

      expect(rowsOf(rows, "error_stream").map((row) => [row.seq, row.values[0]])).to.deep.equal([
        [5, null],
        [6, null],
        [8, "STREAM_PUMP1"],
      ]);
    });

    it("keeps batched streams apart: a stream's rows do not depend on its neighbours", async () => {
      const alone = await duckdb.run([handCheckedStream]);
      const batched = await duckdb.run([handCheckedStream.slice(0, 4), handCheckedStream]);

      expect(rowsOf(batched, "DESTINATION_SQL_STREAM", 1).map((row) => row.values)).to.deep.equal(
        rowsOf(alone, "DESTINATION_SQL_STREAM").map((row) => row.values),
      );
    });
  });

  describe("the harness", () => {
    /** Every stream of every batch must give the harness exactly DuckDB's rows. */
    const agreesWithDuckdb = (shape: ClickstreamShape, options: { overflow: OverflowRule }) =>
      fc.asyncProperty(
        fc.array(clickstreamArbitrary(shape), { minLength: 1, maxLength: streamsPerRun }),
        async (streams) => {
          const reference = await duckdb.run(streams, options.overflow);
          streams.forEach((records, streamIndex) => {
            const expected = reference.filter((row) => row.streamIndex === streamIndex);
            const actual = harnessRows(records, streamIndex, options);
            expect(actual, `stream:\n${describeStream(records)}`).to.deep.equal(expected);
          });
        },
      );

    it("emits DuckDB's rows, row for row, on random clickstreams", async () => {
      await fc.assert(agreesWithDuckdb({ trailingBlankOverflow: true }, { overflow: "error" }), {
        seed,
        numRuns,
      });
    });

    it("emits DuckDB's rows when overflowing strings are truncated instead (overflow: truncate)", async () => {
      await fc.assert(agreesWithDuckdb({ trailingBlankOverflow: true }, { overflow: "truncate" }), {
        seed,
        numRuns: Math.ceil(numRuns / 5),
      });
    });

    it("replays the same records, as envelopes or bare lines, to DuckDB's DESTINATION rows", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(clickstreamArbitrary(), { minLength: 1, maxLength: streamsPerRun }),
          async (streams) => {
            const reference = await duckdb.run(streams);
            streams.forEach((records, streamIndex) => {
              const expected = rowsOf(reference, "DESTINATION_SQL_STREAM", streamIndex).map(
                (row) => row.values,
              );
              const envelopes = records.map((record) =>
                JSON.stringify({
                  data: Buffer.from(record.data, "utf8").toString("base64"),
                  arrivalTime: record.arrivalTime,
                }),
              );
              // Bare lines take ROWTIME from event_timestamp: DESTINATION's columns do not use it.
              const bare = records.map((record) => record.data);
              const context = `stream:\n${describeStream(records)}`;
              for (const lines of [envelopes, bare]) {
                const replayed = [...replayLines(sessionizeSql, lines)].map(Object.values);
                expect(replayed, context).to.deep.equal(expected);
              }
            });
          },
        ),
        { seed, numRuns: Math.ceil(numRuns / 10) },
      );
    });

    it("emits the hand-worked DESTINATION rows, so the comparison cannot pass vacuously", () => {
      const rows = harnessRows(handCheckedStream, 0);

      expect(rowsOf(rows, "DESTINATION_SQL_STREAM").map((row) => row.values)).to.deep.equal(
        handCheckedDestination,
      );
    });
  });

  describe("the handwritten benchmark sessionizer", () => {
    it("emits the hand-worked DESTINATION rows and counts three error rows", () => {
      const { destination, errorRows } = handwrittenRows(handCheckedStream);

      expect(destination).to.deep.equal(handCheckedDestination);
      expect(errorRows).to.equal(3);
    });

    it("agrees with DuckDB on DESTINATION rows and error counts of random clickstreams", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(clickstreamArbitrary(), { minLength: 1, maxLength: streamsPerRun }),
          async (streams) => {
            const reference = await duckdb.run(streams);
            streams.forEach((records, streamIndex) => {
              const expected = rowsOf(reference, "DESTINATION_SQL_STREAM", streamIndex);
              const actual = handwrittenRows(records);
              const context = `stream:\n${describeStream(records)}`;
              expect(actual.destination, context).to.deep.equal(expected.map((row) => row.values));
              expect(actual.errorRows, context).to.equal(
                rowsOf(reference, "error_stream", streamIndex).length,
              );
            });
          },
        ),
        { seed, numRuns: Math.ceil(numRuns / 3) },
      );
    });
  });
});

const maxBigint = 2n ** 63n - 1n;
const minBigint = -(2n ** 63n);

/** BIGINTs around every edge: ±(2^63), ±2^62, ±2^53, small values, and a few past the range. */
const bigintArbitrary = fc.oneof(
  ...[maxBigint, minBigint, 2n ** 62n, -(2n ** 62n), 2n ** 53n, -(2n ** 53n)].map((edge) =>
    fc.bigInt({ min: edge - 3n, max: edge + 3n }),
  ),
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: minBigint, max: maxBigint }),
);

/**
 * Records of the lab's schema whose event_timestamp is such a BIGINT, as a JSON number or string,
 * null or missing; written with all five fields in order (the scanner's fast path) or with two,
 * reordered (the general path). Arrivals step across the 2 s RANGE boundary.
 */
const bigintStreamArbitrary = fc
  .array(
    fc.record({
      user: fc.constantFrom("a", "b", null),
      value: fc.oneof(
        { weight: 8, arbitrary: bigintArbitrary.map((v) => v.toString()) },
        { weight: 3, arbitrary: bigintArbitrary.map((v) => JSON.stringify(v.toString())) },
        { weight: 1, arbitrary: fc.constantFrom("null", undefined) },
      ),
      flat: fc.boolean(),
      gap: fc.constantFrom(0, 1, 999, 1000, 1999, 2000, 2001, 5000, -500),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((events) => {
    let arrival = t0;
    return events.map(({ user, value, flat, gap }): ClickRecord => {
      arrival += gap;
      const userText = JSON.stringify(user);
      const data = flat
        ? `{"user_id":${userText},"event_timestamp":${value ?? "null"},"event_name":null,"event_type":"click","device_type":null}`
        : value === undefined
          ? `{"user_id":${userText}}`
          : `{ "event_timestamp": ${value}, "user_id": ${userText} }`;
      return { data, arrivalTime: arrival };
    });
  });

/** The harness's outcomes of `bigintSumsSql`, in the reference's shape and order. */
function bigintOutcomes(records: readonly ClickRecord[], streamIndex: number): PumpOutcome[] {
  const application = loadApplication(bigintSumsSql);
  const pumps: Record<string, PumpOutcome["pump"]> = {
    ROWS_OUT: "ROWS_PUMP",
    RANGE_OUT: "RANGE_PUMP",
    ARITH_OUT: "ARITH_PUMP",
  };
  const outcomes: PumpOutcome[] = [];
  records.forEach((record, seq) => {
    for (const row of application.push(record)) {
      if (row.stream === "error_stream") {
        const [, , errorName, , , , pumpName] = row.values;
        if (pumpName !== null)
          expect(errorName, String(row.values[3])).to.equal("Numeric_Overflow");
        const pump = pumpName === null ? "INPUT" : (pumpName as PumpOutcome["pump"]);
        outcomes.push({ streamIndex, seq, pump, values: null });
      } else {
        const stream = application.streams.get(row.stream)!;
        const values = Object.values(rowToDeliveryObject(stream, row));
        outcomes.push({ streamIndex, seq, pump: pumps[row.stream], values: deliveryText(values) });
      }
    }
  });
  const order = (o: PumpOutcome) => `${o.pump} ${String(o.seq).padStart(6, "0")}`;
  return outcomes.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
}

/** Values as the reference writes them, parsed back so that number formatting cannot differ. */
const deliveryText = (values: readonly unknown[]): string =>
  `[${values.map((v) => (typeof v === "bigint" ? v.toString() : JSON.stringify(v))).join(",")}]`;

const day = 86_400_000;

/** Epoch milliseconds from 1970 to 2100, crowded around New Year and the first days of months. */
const timestampArbitrary = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1971, max: 2099 }), fc.integer({ min: -10 * day, max: 10 * day }))
    .map(([year, offset]) => Date.UTC(year, 0, 1) + offset),
  fc
    .tuple(
      fc.integer({ min: 1970, max: 2099 }),
      fc.integer({ min: 0, max: 11 }),
      fc.integer({ min: 0, max: 9 * day }),
    )
    .map(([year, month, offset]) => Date.UTC(year, month, 1) + offset),
  fc.integer({ min: 0, max: Date.UTC(2100, 11, 31, 23, 59, 59, 999) }),
);

describe("differential testing beyond the lab's SQL", function () {
  let duckdb: DuckdbExactness;

  before(async () => {
    duckdb = await DuckdbExactness.create();
  });

  after(() => duckdb.close());

  it("sums, averages and computes BIGINTs near ±2^63 exactly as DuckDB's 128-bit reference", async () => {
    let overflows = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(bigintStreamArbitrary, { minLength: 1, maxLength: streamsPerRun }),
        async (streams) => {
          const reference = await duckdb.bigintSums(streams);
          streams.forEach((records, streamIndex) => {
            const expected = reference.filter((o) => o.streamIndex === streamIndex);
            const actual = bigintOutcomes(records, streamIndex);
            overflows += actual.filter((o) => o.values === null && o.pump !== "INPUT").length;
            // Parsed with exact integers on both sides, so that only values are compared.
            const exact = (outcomes: readonly PumpOutcome[]) =>
              outcomes.map((o) => ({
                ...o,
                values: o.values === null ? null : parseJson(o.values),
              }));
            expect(exact(actual), `stream:\n${describeStream(records)}`).to.deep.equal(
              exact(expected),
            );
          });
        },
      ),
      { seed, numRuns: Math.ceil(numRuns / 4) },
    );
    // The property says little unless overflows happened as well as exact results.
    expect(overflows).to.be.greaterThan(10);
  });

  it("formats every TIMESTAMP_TO_CHAR pattern letter DuckDB can express as its reference does", async () => {
    const sql = `CREATE STREAM "TEXT" ("t" VARCHAR(400));
CREATE PUMP "P" AS INSERT INTO "TEXT"
SELECT STREAM TIMESTAMP_TO_CHAR('${timestampPattern.replace(/'/g, "''")}', TO_TIMESTAMP("event_timestamp"))
FROM "SOURCE_SQL_STREAM_001";`;
    await fc.assert(
      fc.asyncProperty(
        fc.array(timestampArbitrary, { minLength: 1, maxLength: 200 }),
        async (ms) => {
          const expected = await duckdb.timestampTexts(ms);
          const application = loadApplication(sql);
          const actual = ms.map((m, i) => {
            const rows = application.push({ data: `{"event_timestamp":${m}}`, arrivalTime: i });
            return rows.find((row) => row.stream === "TEXT")?.values[0];
          });
          actual.forEach((text, i) =>
            expect(text, `${new Date(ms[i]).toISOString()} (${ms[i]})`).to.equal(expected[i]),
          );
        },
      ),
      { seed, numRuns: Math.ceil(numRuns / 4) },
    );
  });
});
