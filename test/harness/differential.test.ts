/**
 * Differential testing of the lab's SQL: random clickstreams through independent implementations of
 * `sql/sessionize.sql` must give the same rows. The reference is a hand translation into DuckDB SQL
 * (`bench/duckdbSessionize.ts`); the single-pass JavaScript sessionizer the benchmark uses is held to
 * it as well. Seed with `DIFF_SEED=<n>`; runs with `DIFF_RUNS=<n>` (default 150 batches of up to 40
 * streams).
 */
import { expect } from "chai";
import fc from "fast-check";
import { DuckdbSessionizer, type ReferenceRow } from "../../bench/duckdbSessionize";
import { HandwrittenSessionizer } from "../../bench/handwrittenSessionizer";
import {
  type ClickRecord,
  clickstreamArbitrary,
  describeStream,
} from "./support/clickstreamArbitrary";

const seed = Number(process.env.DIFF_SEED ?? 20260122);
const numRuns = Number(process.env.DIFF_RUNS ?? 150);
const streamsPerRun = 40;

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
