/**
 * Exact 64-bit BIGINT end to end (docs/semantics.md, "Types and overflow"): input integers beyond
 * 2^53 on the fast and the general path, arithmetic, SUM and AVG without drift, overflow only past
 * the 64-bit range, exact digits on output and through a snapshot.
 */
import { expect } from "chai";
import fc from "fast-check";
import { createReplay, deliveryJson, loadApplication, parseJson } from "../../../harness/emulator";
import type { SqlValue } from "../../../harness/emulator/types";
import { pumpSql, testSchema } from "./helpers";

const max = 2n ** 63n - 1n;
const min = -(2n ** 63n);
const beyondDouble = 2n ** 53n + 1n; // 9007199254740993, which a double rounds to ...992

/** Replays records (objects written with exact digits) and returns the OUT rows as JSON text. */
function replayText(sql: string, records: readonly string[], stream = "OUT"): string[] {
  const replay = createReplay(sql, { inputSchema: testSchema, stream });
  return records.flatMap((line) => replay.feedText(line).split("\n").filter(Boolean));
}

/** Records of the test schema at increasing arrival times, `v` written as exact digits. */
const envelopes = (values: readonly (bigint | number | string | null)[], key = "a"): string[] =>
  values.map(
    (v, i) =>
      `{"data":{"k":"${key}","v":${v === null ? "null" : typeof v === "string" ? JSON.stringify(v) : v.toString()}},"arrivalTime":${1000 * (i + 1)}}`,
  );

describe("exact BIGINT", () => {
  describe("JSON text", () => {
    it("reads integers beyond 2^53 as exact bigints and smaller ones as numbers", () => {
      expect(
        parseJson(`{"a":${beyondDouble},"b":[-${max},${min}],"c":9007199254740991}`),
      ).to.deep.equal({
        a: beyondDouble,
        b: [-max, min],
        c: 9007199254740991,
      });
      expect(parseJson("1e300")).to.equal(1e300);
      // A fraction or an exponent makes a double, as JSON.parse reads it.
      expect(parseJson(" [ 12345678901234567890.5 , 1E2 ] ")).to.deep.equal([
        Number("12345678901234567890.5"),
        100,
      ]);
    });

    it("parses as JSON.parse does, except that it keeps integer literals beyond 2^53 exact", () => {
      /** JSON.parse's value of `text` with each integer literal beyond 2^53 read exactly. */
      const exactly = (value: unknown): unknown => {
        if (typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value))
          return /e/.test(String(value)) ? value : BigInt(String(value));
        if (Array.isArray(value)) return value.map(exactly);
        if (typeof value === "object" && value !== null)
          return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactly(v)]));
        return value;
      };
      fc.assert(
        fc.property(
          fc.jsonValue(),
          fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
          (value, big) => {
            const text = `{"value":${JSON.stringify(value)},"big":${big}}`;
            const parsed = parseJson(text) as { value: unknown; big: unknown };
            expect(parsed.value).to.deep.equal(exactly(JSON.parse(JSON.stringify(value))));
            expect(BigInt(parsed.big as bigint | number)).to.equal(big);
            expect(typeof parsed.big).to.equal(
              big >= -(2n ** 53n - 1n) && big <= 2n ** 53n - 1n ? "number" : "bigint",
            );
          },
        ),
        { numRuns: 300 },
      );
    });

    it("keeps an own __proto__ member and rejects text that is not JSON as JSON.parse does", () => {
      const parsed = parseJson(`{"__proto__":{"x":${beyondDouble}}}`) as Record<string, unknown>;
      expect(Object.getPrototypeOf(parsed)).to.equal(Object.prototype);
      expect(Object.keys(parsed)).to.deep.equal(["__proto__"]);
      expect(() => parseJson(`{"a":${beyondDouble},}`)).to.throw(SyntaxError);
    });

    it("writes bigints as exact JSON numbers and everything else as JSON.stringify does", () => {
      expect(deliveryJson({ a: max, b: "x", c: null, d: 1.5 })).to.equal(
        `{"a":${max},"b":"x","c":null,"d":1.5}`,
      );
      expect(deliveryJson([min, true])).to.equal(`[${min},true]`);
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          expect(deliveryJson(value)).to.equal(JSON.stringify(value));
        }),
      );
    });
  });

  describe("input mapping", () => {
    const copy = pumpSql(`"k" VARCHAR(8), "v" BIGINT`, `"k", "v"`);

    it("maps integers up to ±2^63 exactly, on the flat fast path and the general path alike", () => {
      const values = [beyondDouble, max, min, -beyondDouble, 2n ** 53n];
      const flat = values.map((v, i) => `{"k":"a","v":${v},"s":null,"t":${i}}`);
      const reordered = values.map((v) => `{"v":${v},"k":"a"}`);
      const asText = values.map((v) => `{"k":"a","v":"${v}"}`);
      const expected = values.map((v) => `{"k":"a","v":${v}}`);
      for (const lines of [flat, reordered, asText, envelopes(values)]) {
        expect(replayText(copy, lines)).to.deep.equal(expected);
      }
    });

    it("rejects an integer outside the 64-bit range as a coercion error", () => {
      const app = loadApplication(copy, { inputSchema: testSchema });
      for (const v of [`${max + 1n}`, `"${min - 1n}"`, "1e19"]) {
        const [row] = app.push({ data: `{"k":"a","v":${v}}`, arrivalTime: 0 });
        expect(row.stream, v).to.equal("error_stream");
        expect(row.values[2]).to.equal("Type_Conversion_Error");
      }
    });

    it("maps a BIGINT written as a double with an exponent to the double's exact value", () => {
      expect(replayText(copy, [`{"k":"a","v":1e18}`])).to.deep.equal([
        `{"k":"a","v":1000000000000000000}`,
      ]);
    });

    it("gives a VARCHAR column the exact digits of a long integer", () => {
      const sql = pumpSql(`"s" VARCHAR(20)`, `"s"`);
      expect(replayText(sql, [`{"s":${beyondDouble}}`, `{"k":"x","s":${max}}`])).to.deep.equal([
        `{"s":"${beyondDouble}"}`,
        `{"s":"${max}"}`,
      ]);
    });
  });

  describe("arithmetic", () => {
    /** One expression of "v" per record, as JSON text rows or error names. */
    function evaluate(expression: string, values: readonly (bigint | number)[]): string[] {
      const app = loadApplication(pumpSql(`"r" BIGINT`, expression), { inputSchema: testSchema });
      return values.map((v, i) => {
        const [row] = app.push({ data: `{"k":"a","v":${v}}`, arrivalTime: i });
        return row.stream === "OUT"
          ? deliveryJson(row.values as SqlValue[])
          : String(row.values[2]);
      });
    }

    it("adds, subtracts, multiplies and divides exactly across 2^53", () => {
      expect(evaluate(`"v" + 2`, [2n ** 53n - 1n, max - 2n])).to.deep.equal([
        `[${2n ** 53n + 1n}]`,
        `[${max}]`,
      ]);
      expect(evaluate(`"v" - 9007199254740993`, [beyondDouble, 0])).to.deep.equal([
        "[0]",
        `[${-beyondDouble}]`,
      ]);
      expect(evaluate(`"v" * 3`, [3002399751580331, beyondDouble])).to.deep.equal([
        "[9007199254740993]",
        `[${beyondDouble * 3n}]`,
      ]);
      expect(evaluate(`"v" / 2`, [max, -beyondDouble])).to.deep.equal([
        `[${max / 2n}]`,
        `[${-beyondDouble / 2n}]`,
      ]);
      expect(evaluate(`-"v"`, [max, min])).to.deep.equal([`[${-max}]`, "Numeric_Overflow"]);
    });

    it("overflows only past the 64-bit range", () => {
      expect(evaluate(`"v" + 1`, [max - 1n, max])).to.deep.equal([`[${max}]`, "Numeric_Overflow"]);
      expect(evaluate(`"v" - 1`, [min + 1n, min])).to.deep.equal([`[${min}]`, "Numeric_Overflow"]);
      expect(evaluate(`"v" * 2`, [2n ** 62n - 1n, 2n ** 62n])).to.deep.equal([
        `[${2n ** 63n - 2n}]`,
        "Numeric_Overflow",
      ]);
      expect(evaluate(`"v" / -1`, [max, min])).to.deep.equal([`[${-max}]`, "Numeric_Overflow"]);
      expect(evaluate(`ABS("v")`, [-max, min])).to.deep.equal([`[${max}]`, "Numeric_Overflow"]);
    });

    it("compares, takes MOD, CASTs and mixes with doubles", () => {
      const sql = pumpSql(
        `"gt" BOOLEAN, "eq" BOOLEAN, "m" BIGINT, "txt" VARCHAR(30), "d" DOUBLE, "back" BIGINT`,
        `"v" > 9007199254740992, "v" = 9007199254740993, MOD("v", 10), CAST("v" AS VARCHAR(30)),
         "v" * 1.0, CAST(CAST("v" AS VARCHAR(30)) AS BIGINT)`,
      );
      expect(replayText(sql, envelopes([beyondDouble, 2n ** 53n]))).to.deep.equal([
        `{"gt":true,"eq":true,"m":3,"txt":"9007199254740993","d":9007199254740992,"back":9007199254740993}`,
        `{"gt":false,"eq":false,"m":2,"txt":"9007199254740992","d":9007199254740992,"back":9007199254740992}`,
      ]);
    });

    it("takes integer literals up to 2^63 - 1 and refuses larger ones at load", () => {
      expect(evaluate(`9223372036854775807 - "v"`, [1])).to.deep.equal([`[${max - 1n}]`]);
      expect(() => loadApplication(pumpSql(`"r" BIGINT`, `9223372036854775808`))).to.throw(
        /Integer literal 9223372036854775808 at 2:\d+ is outside the BIGINT range; allowed at most 9223372036854775807/,
      );
    });
  });

  describe("SUM and AVG", () => {
    const sql = pumpSql(
      `"s" BIGINT, "a" BIGINT`,
      `SUM("v") OVER (PARTITION BY "k" ROWS 1 PRECEDING), AVG("v") OVER (PARTITION BY "k" ROWS 1 PRECEDING)`,
    );

    it("stay exact after large values leave the window: no drift in the running total", () => {
      const values = [2n ** 60n, 3n, 2n ** 60n + 1n, 5, 7, 9];
      expect(replayText(sql, envelopes(values))).to.deep.equal([
        `{"s":${2n ** 60n},"a":${2n ** 60n}}`,
        `{"s":${2n ** 60n + 3n},"a":${(2n ** 60n + 3n) / 2n}}`,
        `{"s":${2n ** 60n + 4n},"a":${(2n ** 60n + 4n) / 2n}}`,
        `{"s":${2n ** 60n + 6n},"a":${(2n ** 60n + 6n) / 2n}}`,
        `{"s":12,"a":6}`,
        `{"s":16,"a":8}`,
      ]);
    });

    it("send a total past 2^63 - 1 to error_stream and go on exactly when it comes back", () => {
      const app = loadApplication(sql, { inputSchema: testSchema });
      const rows = [max, 1, -5, 2].flatMap((v, i) =>
        app.push({ data: `{"k":"a","v":${v}}`, arrivalTime: i }),
      );
      expect(
        rows.map((r) => (r.stream === "OUT" ? deliveryJson(r.values as SqlValue[]) : r.values[2])),
      ).to.deep.equal([`[${max},${max}]`, "Numeric_Overflow", "[-4,-2]", "[-3,-1]"]);
    });

    it("truncate an integer AVG toward zero, past 2^53 too", () => {
      expect(replayText(sql, envelopes([-7, 0, min, 1]))).to.deep.equal([
        `{"s":-7,"a":-7}`,
        `{"s":-7,"a":-3}`,
        `{"s":${min},"a":${min / 2n}}`,
        `{"s":${min + 1n},"a":-4611686018427387903}`,
      ]);
    });

    it("survive a snapshot written with JSON.stringify and restored elsewhere", () => {
      const first = loadApplication(sql, { inputSchema: testSchema });
      first.push({ data: `{"k":"a","v":${max}}`, arrivalTime: 0 });
      const saved = JSON.parse(JSON.stringify(first.snapshot()));
      const second = loadApplication(sql, { inputSchema: testSchema });
      second.restore(saved);
      const [row] = second.push({ data: `{"k":"a","v":-1}`, arrivalTime: 1 });
      expect(deliveryJson(row.values as SqlValue[])).to.equal(`[${max - 1n},${(max - 1n) / 2n}]`);
    });
  });

  it("carries exact digits through LAG and a snapshot of its rows", () => {
    const sql = pumpSql(`"p" BIGINT`, `LAG("v") OVER (PARTITION BY "k" ROWS 1 PRECEDING)`);
    const first = loadApplication(sql, { inputSchema: testSchema });
    first.push({ data: `{"k":"a","v":${beyondDouble}}`, arrivalTime: 0 });
    const second = loadApplication(sql, { inputSchema: testSchema });
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const [row] = second.push({ data: `{"k":"a","v":1}`, arrivalTime: 1 });
    expect(row.values).to.deep.equal([beyondDouble]);
  });
});
