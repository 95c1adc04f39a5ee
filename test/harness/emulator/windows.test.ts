import { expect } from "chai";
import { loadApplication } from "../../../harness/emulator";
import { column, pumpSql, pushAll, rec, run, testSchema } from "./helpers";

const window = (fn: string, frame: string) => `${fn} OVER (PARTITION BY "k" ${frame})`;

describe("the window functions", () => {
  describe("LAG", () => {
    it("returns the partition's previous row, NULL for the first", () => {
      const rows = run(pumpSql(`"a" BIGINT`, window(`LAG("v", 1)`, "ROWS 1 PRECEDING")), [
        rec({ k: "a", v: 1 }, 0),
        rec({ k: "b", v: 10 }, 1),
        rec({ k: "a", v: 2 }, 2),
        rec({ k: "a", v: 3 }, 3),
      ]);
      expect(column(rows)).to.deep.equal([null, null, 1, 2]);
    });

    it("returns a stored NULL (RESPECT NULLS) and skips it with IGNORE NULLS", () => {
      const records = [rec({ k: "a", v: 1 }, 0), rec({ k: "a" }, 1), rec({ k: "a", v: 3 }, 2)];
      expect(
        column(run(pumpSql(`"a" BIGINT`, window(`LAG("v")`, "ROWS 2 PRECEDING")), records)),
      ).to.deep.equal([null, 1, null]);
      expect(
        column(
          run(pumpSql(`"a" BIGINT`, window(`LAG("v") IGNORE NULLS`, "ROWS 2 PRECEDING")), records),
        ),
      ).to.deep.equal([null, 1, 1]);
    });

    it("returns the default when the offset reaches past the window", () => {
      const records = [1, 2, 3, 4].map((v, i) => rec({ k: "a", v }, i));
      expect(
        column(run(pumpSql(`"a" BIGINT`, window(`LAG("v", 2, -1)`, "ROWS 2 PRECEDING")), records)),
      ).to.deep.equal([-1, -1, 1, 2]);
      expect(
        column(run(pumpSql(`"a" BIGINT`, window(`LAG("v", 2, -1)`, "ROWS 1 PRECEDING")), records)),
      ).to.deep.equal([-1, -1, -1, -1]);
    });

    it("puts all NULL partition keys in one partition", () => {
      const rows = run(pumpSql(`"a" BIGINT`, window(`LAG("v")`, "ROWS 1 PRECEDING")), [
        rec({ v: 1 }, 0),
        rec({ v: 2 }, 1),
      ]);
      expect(column(rows)).to.deep.equal([null, 1]);
    });
  });

  describe("LAST_VALUE IGNORE NULLS over a RANGE", () => {
    const sql = pumpSql(
      `"a" BIGINT`,
      window(`LAST_VALUE("v") IGNORE NULLS`, "RANGE INTERVAL '10' SECOND PRECEDING"),
    );

    it("returns the last non-NULL value within the range, both ends inclusive", () => {
      const rows = run(sql, [
        rec({ k: "a", v: 1 }, 0),
        rec({ k: "a" }, 10_000),
        rec({ k: "a" }, 10_001),
      ]);
      expect(column(rows)).to.deep.equal([1, 1, null]);
    });

    it("includes the current row", () => {
      expect(column(run(sql, [rec({ k: "a", v: 1 }, 0), rec({ k: "a", v: 2 }, 5)]))).to.deep.equal([
        1, 2,
      ]);
    });
  });

  it("sees earlier arrivals with the same ROWTIME, never later ones", () => {
    const rows = run(
      pumpSql(`"a" BIGINT`, window(`COUNT(*)`, "RANGE INTERVAL '1' SECOND PRECEDING")),
      [rec({ k: "a" }, 100), rec({ k: "a" }, 100), rec({ k: "a" }, 100)],
    );
    expect(column(rows)).to.deep.equal([1, 2, 3]);
  });

  it("counts, sums, averages and finds the extremes over a ROWS window", () => {
    const select = [
      'COUNT("v")',
      'SUM("v")',
      'AVG("v")',
      'MIN("v")',
      'MAX("v")',
      'FIRST_VALUE("v")',
    ]
      .map((fn) => window(fn, "ROWS 2 PRECEDING"))
      .join(", ");
    const rows = run(
      pumpSql(`"c" BIGINT, "s" BIGINT, "av" BIGINT, "mn" BIGINT, "mx" BIGINT, "f" BIGINT`, select),
      [
        rec({ k: "a", v: 5 }, 0),
        rec({ k: "a", v: 1 }, 1),
        rec({ k: "a" }, 2),
        rec({ k: "a", v: 9 }, 3),
        rec({ k: "a", v: 2 }, 4),
      ],
    );
    expect(rows.map((r) => Object.values(r))).to.deep.equal([
      [1, 5, 5, 5, 5, 5],
      [2, 6, 3, 1, 5, 5],
      [2, 6, 3, 1, 5, 5],
      [2, 10, 5, 1, 9, 1],
      [2, 11, 5, 2, 9, null],
    ]);
  });

  it("drops rows that leave a RANGE window from SUM and MAX", () => {
    const select = [`SUM("v")`, `MAX("v")`]
      .map((fn) => window(fn, "RANGE INTERVAL '1' MINUTE PRECEDING"))
      .join(", ");
    const rows = run(pumpSql(`"s" BIGINT, "m" BIGINT`, select), [
      rec({ k: "a", v: 7 }, 0),
      rec({ k: "a", v: 1 }, 30_000),
      rec({ k: "a", v: 2 }, 60_001),
      rec({ k: "a" }, 200_000),
    ]);
    expect(rows.map((r) => Object.values(r))).to.deep.equal([
      [7, 7],
      [8, 7],
      [3, 2],
      [null, null],
    ]);
  });

  it("applies WHERE before the window functions, so filtered rows never enter a window", () => {
    const rows = run(
      pumpSql(`"a" BIGINT`, window(`COUNT(*)`, "ROWS 5 PRECEDING"), `WHERE "v" > 0`),
      [rec({ k: "a", v: 1 }, 0), rec({ k: "a", v: -1 }, 1), rec({ k: "a", v: 1 }, 2)],
    );
    expect(column(rows)).to.deep.equal([1, 2]);
  });

  it("keeps only the row LAG reads however long the stream is", () => {
    const app = loadApplication(pumpSql(`"a" BIGINT`, window(`LAG("v")`, "ROWS 1 PRECEDING")), {
      inputSchema: testSchema,
    });
    pushAll(
      app,
      Array.from({ length: 500 }, (_, i) => rec({ k: "a", v: i }, i)),
    );
    const [partition] = app.snapshot().partitions;
    expect(partition.state).to.deep.equal({ rows: 500, buffer: { p: [499], v: [499] } });
  });

  it("keeps one value for LAST_VALUE IGNORE NULLS over a RANGE however many rows it saw", () => {
    const sql = pumpSql(
      `"a" BIGINT`,
      window(`LAST_VALUE("v") IGNORE NULLS`, "RANGE INTERVAL '24' HOUR PRECEDING"),
    );
    const app = loadApplication(sql, { inputSchema: testSchema });
    pushAll(
      app,
      Array.from({ length: 500 }, (_, i) => rec({ k: "a", v: i }, i)),
    );
    const [partition] = app.snapshot().partitions;
    expect(partition.state).to.deep.equal({ lastPosition: 499, lastValue: 499 });
  });

  it("keeps only the rows inside a RANGE window for COUNT", () => {
    const app = loadApplication(
      pumpSql(`"a" BIGINT`, window(`COUNT(*)`, "RANGE INTERVAL '10' SECOND PRECEDING")),
      {
        inputSchema: testSchema,
      },
    );
    pushAll(
      app,
      Array.from({ length: 500 }, (_, i) => rec({ k: "a" }, i * 1000)),
    );
    const [partition] = app.snapshot().partitions;
    expect((partition.state as { buffer: { v: unknown[] } }).buffer.v).to.have.length(11);
  });
});
