/**
 * Window state proportional to what the windows need: one record per partition for the windows
 * of a pump that share a PARTITION BY, RANGE-only partitions forgotten once their rows have left
 * every frame, DOUBLE sums that never depend on rows that left, and snapshots of earlier formats
 * restoring into the new layout.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadApplication } from "../../../harness/emulator";
import { PartitionKeys } from "../../../harness/emulator/windows";
import type { EngineSnapshot, SqlApplication } from "../../../harness/emulator/types";
import { pumpSql, pushAll, rec, run, testSchema } from "./helpers";

const over = (fn: string, frame: string, partition = `"k"`) =>
  `${fn} OVER (PARTITION BY ${partition} ${frame})`;

function load(sql: string): SqlApplication {
  return loadApplication(sql, { inputSchema: testSchema });
}

describe("window state", () => {
  describe("RANGE-only partitions", () => {
    const sql = pumpSql(
      `"a" BIGINT, "n" BIGINT`,
      [
        over(`LAST_VALUE("v") IGNORE NULLS`, "RANGE INTERVAL '10' SECOND PRECEDING"),
        over(`COUNT(*)`, "RANGE INTERVAL '5' SECOND PRECEDING"),
      ].join(", "),
    );

    it("are forgotten within an eighth of the frame after their rows left it, never sooner", () => {
      const app = load(sql);
      pushAll(app, [rec({ k: "a", v: 1 }, 0), rec({ k: "b", v: 2 }, 4_000)]);
      expect(app.partitionCounts()).to.deep.equal({ "P#0": 2, "P#1": 2 });
      app.advance(10_000); // a's row at 0 is still in the 10 s frame (both ends inclusive)
      expect(app.partitionCounts()).to.deep.equal({ "P#0": 2, "P#1": 2 });
      app.advance(10_001 + 1_250);
      expect(app.partitionCounts()).to.deep.equal({ "P#0": 1, "P#1": 1 });
      expect(app.snapshot().partitions.map((p) => p.key)).to.deep.equal([["b"], ["b"]]);
      app.advance(14_000);
      expect(app.partitionCounts()).to.deep.equal({ "P#0": 1, "P#1": 1 });
      app.advance(14_001 + 1_250);
      expect(app.partitionCounts()).to.deep.equal({ "P#0": 0, "P#1": 0 });
    });

    it("give the same rows whether or not a partition was forgotten in between", () => {
      const rows = run(sql, [
        rec({ k: "a", v: 1 }, 0),
        rec({ k: "b" }, 10_001),
        rec({ k: "a" }, 10_002),
        rec({ k: "a", v: 3 }, 12_000),
        rec({ k: "a" }, 12_000),
      ]);
      expect(rows.map((r) => Object.values(r))).to.deep.equal([
        [1, 1],
        [null, 1],
        [null, 1],
        [3, 2],
        [3, 3],
      ]);
    });

    it("stay forgotten in memory however many distinct keys pass through", () => {
      const app = load(sql);
      for (let i = 0; i < 5000; i++)
        app.push({ data: `{"k":"u${i}","v":${i}}`, arrivalTime: i * 10 });
      // Keys of the last 10 s (1001 rows, 10 ms apart) can still be read; an eighth of the frame
      // (125 rows) may wait for the next look.
      expect(app.partitionCounts()["P#0"]).to.be.within(1001, 1126);
    });
  });

  it("keeps every partition of a group with a ROWS window, however old its rows", () => {
    const app = load(
      pumpSql(
        `"p" BIGINT, "n" BIGINT`,
        `${over(`LAG("v")`, "ROWS 1 PRECEDING")}, ${over("COUNT(*)", "RANGE INTERVAL '1' SECOND PRECEDING")}`,
      ),
    );
    pushAll(app, [rec({ k: "a", v: 7 }, 0), rec({ k: "b", v: 1 }, 1)]);
    app.advance(1e9);
    expect(app.partitionCounts()).to.deep.equal({ "P#0": 2, "P#1": 2 });
    const [row] = app.push({ data: `{"k":"a","v":8}`, arrivalTime: 1e9 });
    expect(row.values).to.deep.equal([7, 1]);
  });

  it("keeps one record per partition for the windows that share their PARTITION BY", () => {
    const select = [
      over(`LAG("v")`, "ROWS 2 PRECEDING"),
      over(`SUM("v")`, "ROWS 2 PRECEDING"),
      over(`MAX("v")`, "ROWS 2 PRECEDING", `"s"`),
    ].join(", ");
    const app = load(pumpSql(`"p" BIGINT, "t" BIGINT, "m" BIGINT`, select));
    pushAll(app, [rec({ k: "a", v: 1, s: "x" }, 0), rec({ k: "b", v: 2, s: "x" }, 1)]);
    expect(app.partitionCounts()).to.deep.equal({ "P#0": 2, "P#1": 2, "P#2": 1 });
    expect(app.snapshot().partitions.map((p) => [p.window, p.key, p.state])).to.deep.equal([
      ["P#0", ["a"], { rows: 1, buffer: { p: [0], v: [1] } }],
      ["P#0", ["b"], { rows: 1, buffer: { p: [0], v: [2] } }],
      ["P#1", ["a"], { rows: 1, buffer: { p: [0], v: [1] } }],
      ["P#1", ["b"], { rows: 1, buffer: { p: [0], v: [2] } }],
      ["P#2", ["x"], { rows: 2, buffer: { p: [1], v: [2] } }],
    ]);
  });

  it("sums DOUBLEs without drift: a large value that left the window leaves no trace", () => {
    const sql = pumpSql(
      `"s" DOUBLE, "a" DOUBLE`,
      `${over(`SUM(CAST("v" AS DOUBLE))`, "ROWS 1 PRECEDING")}, ${over(`AVG(CAST("v" AS DOUBLE))`, "ROWS 1 PRECEDING")}`,
    );
    const rows = run(
      sql,
      [1e17, 1, 1, 1, 3].map((v, i) => rec({ k: "a", v }, i)),
    );
    expect(rows.map((r) => Object.values(r))).to.deep.equal([
      [1e17, 1e17],
      [1e17 + 1, (1e17 + 1) / 2],
      [2, 1],
      [2, 1],
      [4, 2],
    ]);
  });

  it("continues bit for bit after a snapshot, wherever the stream is split", () => {
    const sql = pumpSql(
      `"s" DOUBLE, "m" DOUBLE, "x" BIGINT, "f" BIGINT, "l" BIGINT`,
      [
        over(`SUM(CAST("v" AS DOUBLE) / 3)`, "RANGE INTERVAL '3' SECOND PRECEDING"),
        over(`AVG(CAST("v" AS DOUBLE) / 3)`, "RANGE INTERVAL '3' SECOND PRECEDING"),
        over(`SUM("v")`, "ROWS 3 PRECEDING"),
        over(`FIRST_VALUE("v") IGNORE NULLS`, "ROWS 2 PRECEDING"),
        over(`LAG("v", 2) IGNORE NULLS`, "RANGE INTERVAL '2' SECOND PRECEDING"),
      ].join(", "),
    );
    const value = fc.option(fc.oneof(fc.integer(), fc.constantFrom(2 ** 60, -(2 ** 60))), {
      nil: undefined,
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b"), value, fc.nat(1500)), { maxLength: 40 }),
        fc.nat(),
        (events, at) => {
          let time = 0;
          const records = events.map(([k, v, gap]) => rec({ k, v }, (time += gap)));
          const split = at % (records.length + 1);
          const whole = pushAll(load(sql), records);
          const first = load(sql);
          const before = pushAll(first, records.slice(0, split));
          const second = load(sql);
          second.restore(JSON.parse(JSON.stringify(first.snapshot())) as EngineSnapshot);
          expect([...before, ...pushAll(second, records.slice(split))]).to.deep.equal(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  describe("snapshots written before the compact layout", () => {
    it("restore LAG's frame rows, LAST_VALUE's row count and SUM's running total", () => {
      const sql = pumpSql(
        `"p" BIGINT, "l" BIGINT, "s" BIGINT`,
        [
          over(`LAG("v")`, "ROWS 1 PRECEDING"),
          over(`LAST_VALUE("v") IGNORE NULLS`, "RANGE INTERVAL '24' HOUR PRECEDING"),
          over(`SUM("v")`, "ROWS 1 PRECEDING"),
        ].join(", "),
      );
      const app = load(sql);
      app.restore({
        version: 1,
        lastRowtime: 499,
        partitions: [
          {
            window: "P#0",
            key: ["a"],
            state: { rows: 500, buffer: { p: [498, 499], v: [498, 499] } },
          },
          { window: "P#1", key: ["a"], state: { rows: 500, lastPosition: 499, lastValue: 499 } },
          // The old running total drifted; the restore sums the rows again.
          {
            window: "P#2",
            key: ["a"],
            state: { rows: 500, buffer: { p: [499], v: [499] }, sum: 7 },
          },
        ],
      });
      const [row] = app.push({ data: `{"k":"a"}`, arrivalTime: 500 });
      expect(row.values).to.deep.equal([499, 499, 499]);
    });

    it("restore `{ rows: 0 }` as an empty partition, as the sessionizer writes it", () => {
      const app = loadApplication(
        `CREATE STREAM "OUT" ("p" BIGINT);
CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM LAG("event_timestamp") OVER (PARTITION BY "user_id" ROWS 1 PRECEDING) FROM "SOURCE_SQL_STREAM_001";`,
      );
      app.push({ data: `{"user_id":"a","event_timestamp":5}`, arrivalTime: 0 });
      app.restore({
        version: 1,
        lastRowtime: 0,
        partitions: [{ window: "P#0", key: ["a"], state: { rows: 0 } }],
      });
      const [row] = app.push({ data: `{"user_id":"a","event_timestamp":6}`, arrivalTime: 1 });
      expect(row.values).to.deep.equal([null]);
    });

    it("refuse a state that is not an object, naming the window", () => {
      const app = load(pumpSql(`"p" BIGINT`, over(`LAG("v")`, "ROWS 1 PRECEDING")));
      expect(() =>
        app.restore({
          version: 1,
          lastRowtime: 0,
          partitions: [{ window: "P#0", key: ["a"], state: "x" }],
        }),
      ).to.throw(TypeError, /Invalid snapshot state for window "P#0": "x"; expected an object/);
    });
  });
});

describe("the partition keys", () => {
  it("give each held key one index, and a released key's index to a new key, as a Map would", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.oneof(
              fc.string({ maxLength: 3 }),
              fc.integer({ min: -3, max: 3 }),
              fc.constant(null),
            ),
          ),
          { maxLength: 400 },
        ),
        (operations) => {
          const keys = new PartitionKeys();
          const model = new Map<unknown, number>();
          for (const [release, key] of operations) {
            if (release && model.has(key)) {
              keys.release(model.get(key)!);
              model.delete(key);
            } else if (!release) {
              const index = keys.index(key);
              if (model.has(key)) expect(index, String(key)).to.equal(model.get(key));
              else {
                expect([...model.values()]).to.not.include(index);
                keys.hold(index);
                model.set(key, index);
              }
            }
            for (const [k, index] of model) expect(keys.index(k)).to.equal(index);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
