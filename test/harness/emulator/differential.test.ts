/**
 * Differential testing of the lab's SQL: random clickstreams through independent implementations of
 * `sql/sessionize.sql` must give the same rows. The reference is a hand translation into DuckDB SQL
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
  replayLines,
  rowToDeliveryObject,
  type SqlApplication,
} from "../../../harness/emulator";
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
