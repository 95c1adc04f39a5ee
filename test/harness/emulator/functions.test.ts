import { expect } from "chai";
import { compileDateFormat } from "../../../harness/emulator/functions";
import { column, pumpSql, rec, run } from "./helpers";

const at = Date.UTC(2022, 4, 31, 13, 5, 9, 999);

function one(type: string, select: string, record: Record<string, unknown>, options = {}): unknown {
  return column(run(pumpSql(`"a" ${type}`, select), [rec(record, 0)], options))[0];
}

describe("the SQL functions", () => {
  describe("TIMESTAMP_TO_CHAR", () => {
    it("formats Java SimpleDateFormat letters in UTC and truncates seconds", () => {
      expect(compileDateFormat("yyyy-MM-dd HH:mm:ss.SSS")(at)).to.equal("2022-05-31 13:05:09.999");
      expect(compileDateFormat("HH:mm:ss")(at)).to.equal("13:05:09");
    });

    it("writes hh and a as a 12-hour clock, and quoted text literally", () => {
      expect(compileDateFormat("hh:mm a 'at' yy")(at)).to.equal("01:05 PM at 22");
      expect(compileDateFormat("h 'o''clock'")(Date.UTC(2022, 0, 1, 0, 0))).to.equal("12 o'clock");
    });

    it("spells month and day names for MMM, MMMM and EEE", () => {
      expect(compileDateFormat("EEE d MMM, EEEE d MMMM")(at)).to.equal(
        "Tue 31 May, Tuesday 31 May",
      );
    });

    it("returns NULL for a NULL timestamp by default and 'null' on request", () => {
      expect(one("VARCHAR(9)", `TIMESTAMP_TO_CHAR('HH:mm:ss', "t")`, {})).to.equal(null);
      expect(
        one(
          "VARCHAR(9)",
          `TIMESTAMP_TO_CHAR('HH:mm:ss', "t")`,
          {},
          { timestampToCharNull: "string" },
        ),
      ).to.equal("null");
    });
  });

  it("converts epoch milliseconds with TO_TIMESTAMP and back with UNIX_TIMESTAMP", () => {
    expect(one("TIMESTAMP", `TO_TIMESTAMP("v")`, { v: at })).to.equal("2022-05-31 13:05:09.999");
    expect(one("BIGINT", `UNIX_TIMESTAMP("t")`, { t: at })).to.equal(at);
    expect(one("TIMESTAMP", `TO_TIMESTAMP("v")`, {})).to.equal(null);
  });

  it("sends TO_TIMESTAMP of a value beyond the TIMESTAMP range to error_stream", () => {
    const rows = run(pumpSql(`"a" TIMESTAMP`, `TO_TIMESTAMP("v")`), [rec({ v: 9e15 }, 0)], {
      stream: "error_stream",
    });
    expect(rows.map((r) => [r.ERROR_NAME, r.PUMP_NAME])).to.deep.equal([["Numeric_Overflow", "P"]]);
  });

  it("measures, upper- and lower-cases strings", () => {
    expect(one("INTEGER", `CHAR_LENGTH("s")`, { s: "abc" })).to.equal(3);
    expect(one("VARCHAR(9)", `UPPER("s") || LOWER('XY')`, { s: "abc" })).to.equal("ABCxy");
  });

  it("takes SUBSTRING from a 1-based position, in both spellings", () => {
    expect(one("VARCHAR(9)", `SUBSTRING("s" FROM 2 FOR 3)`, { s: "abcdef" })).to.equal("bcd");
    expect(one("VARCHAR(9)", `SUBSTRING("s", 4)`, { s: "abcdef" })).to.equal("def");
    expect(one("VARCHAR(9)", `SUBSTRING("s", 0, 2)`, { s: "abcdef" })).to.equal("a");
  });

  it("trims blanks, or a given character from one side", () => {
    expect(one("VARCHAR(9)", `TRIM("s")`, { s: "  ab  " })).to.equal("ab");
    expect(one("VARCHAR(9)", `TRIM(LEADING 'x' FROM "s")`, { s: "xxabx" })).to.equal("abx");
    expect(one("VARCHAR(9)", `TRIM(TRAILING FROM "s")`, { s: " ab " })).to.equal(" ab");
  });

  it("returns the first non-NULL argument of COALESCE", () => {
    expect(one("VARCHAR(9)", `COALESCE("s", 'none')`, {})).to.equal("none");
    expect(one("VARCHAR(9)", `COALESCE("s", 'none')`, { s: "x" })).to.equal("x");
  });

  it("floors a timestamp to a unit and steps it by an interval", () => {
    expect(one("TIMESTAMP", `FLOOR("t" TO HOUR)`, { t: at })).to.equal("2022-05-31 13:00:00.000");
    expect(one("TIMESTAMP", `STEP("t" BY INTERVAL '10' MINUTE)`, { t: at })).to.equal(
      "2022-05-31 13:00:00.000",
    );
    expect(one("TIMESTAMP", `CEIL("t" TO MINUTE)`, { t: at })).to.equal("2022-05-31 13:06:00.000");
  });

  it("CASTs between strings, numbers and timestamps", () => {
    expect(one("BIGINT", `CAST("s" AS BIGINT) + 1`, { s: "41" })).to.equal(42);
    expect(one("VARCHAR(30)", `CAST("t" AS VARCHAR(30))`, { t: at })).to.equal(
      "2022-05-31 13:05:09.999",
    );
    expect(one("TIMESTAMP", `CAST("s" AS TIMESTAMP)`, { s: "2022-05-31 13:05:09" })).to.equal(
      "2022-05-31 13:05:09.000",
    );
    expect(one("CHAR(4)", `CAST("v" AS CHAR(4))`, { v: 7 })).to.equal("7   ");
  });

  it("sends a failed CAST to error_stream instead of stopping", () => {
    const rows = run(
      pumpSql(`"a" BIGINT`, `CAST("s" AS BIGINT)`),
      [rec({ s: "x1" }, 0), rec({ s: "2" }, 1)],
      {
        stream: "error_stream",
      },
    );
    expect(rows.map((r) => [r.ERROR_NAME, r.MESSAGE, r.PUMP_NAME])).to.deep.equal([
      ["Type_Conversion_Error", 'Cannot CAST "x1" to BIGINT', "P"],
    ]);
  });
});
