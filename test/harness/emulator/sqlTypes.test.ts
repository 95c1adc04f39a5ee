import { expect } from "chai";
import {
  castValue,
  coerceForColumn,
  commonType,
  formatTimestamp,
  isAssignable,
  parseTimestamp,
} from "../../../harness/emulator/sqlTypes";
import { SqlRowError } from "../../../harness/emulator/errors";

describe("the SQL types", () => {
  it("blank-pads CHAR on insert: 'user1' in CHAR(7) is 'user1  '", () => {
    expect(coerceForColumn("user1", { kind: "CHAR", length: 7 }, "error", "user_id")).to.equal(
      "user1  ",
    );
  });

  it("raises Value_Too_Long for a VARCHAR overflow, or truncates on request", () => {
    const type = { kind: "VARCHAR", length: 3 } as const;
    expect(() => coerceForColumn("abcd", type, "error", "c"))
      .to.throw(
        SqlRowError,
        'Value too long for column "c" VARCHAR(3): 4 characters ("abcd"); allowed at most 3',
      )
      .with.property("errorName", "Value_Too_Long");
    expect(coerceForColumn("abcd", type, "truncate", "c")).to.equal("abc");
  });

  it("refuses a value longer than the column even when the excess is blanks, as docs/semantics.md says", () => {
    expect(() => coerceForColumn("ab   ", { kind: "VARCHAR", length: 3 }, "error", "c")).to.throw(
      SqlRowError,
    );
    expect(coerceForColumn("ab   ", { kind: "VARCHAR", length: 3 }, "truncate", "c")).to.equal(
      "ab ",
    );
  });

  it("keeps INTEGER within 32 bits and BIGINT within 64 bits, exactly", () => {
    expect(coerceForColumn(2147483647, { kind: "INTEGER" }, "error", "i")).to.equal(2147483647);
    expect(() => coerceForColumn(2147483648, { kind: "INTEGER" }, "error", "i")).to.throw(
      SqlRowError,
      /outside INTEGER range/,
    );
    expect(coerceForColumn(2 ** 53, { kind: "BIGINT" }, "error", "b")).to.equal(2n ** 53n);
    expect(coerceForColumn(2n ** 63n - 1n, { kind: "BIGINT" }, "error", "b")).to.equal(
      2n ** 63n - 1n,
    );
    expect(coerceForColumn(-(2n ** 63n), { kind: "BIGINT" }, "error", "b")).to.equal(-(2n ** 63n));
    expect(() => coerceForColumn(2n ** 63n, { kind: "BIGINT" }, "error", "b")).to.throw(
      SqlRowError,
      /9223372036854775808 is outside BIGINT range -9223372036854775808..9223372036854775807/,
    );
    expect(() => coerceForColumn(2 ** 63, { kind: "BIGINT" }, "error", "b")).to.throw(
      SqlRowError,
      /outside BIGINT/,
    );
  });

  it("writes a TIMESTAMP as yyyy-MM-dd HH:mm:ss.SSS in UTC and reads it back", () => {
    const ms = Date.UTC(2022, 4, 31, 23, 59, 59, 7);
    expect(formatTimestamp(ms)).to.equal("2022-05-31 23:59:59.007");
    expect(parseTimestamp("2022-05-31 23:59:59.007")).to.equal(ms);
    expect(parseTimestamp("2022-02-30 00:00:00")).to.equal(null);
  });

  it("casts numbers to integers toward zero and rejects text that is not a number", () => {
    expect(castValue(-2.7, { kind: "DOUBLE" }, { kind: "BIGINT" })).to.equal(-2);
    expect(() => castValue("12a", { kind: "VARCHAR", length: 3 }, { kind: "BIGINT" })).to.throw(
      SqlRowError,
      'Cannot CAST "12a" to BIGINT',
    );
    expect(castValue(null, { kind: "VARCHAR", length: 3 }, { kind: "BIGINT" })).to.equal(null);
  });

  it("assigns numbers to numbers and strings to strings, NULL to anything, nothing else", () => {
    expect(isAssignable({ kind: "INTEGER" }, { kind: "BIGINT" })).to.equal(true);
    expect(isAssignable({ kind: "VARCHAR", length: 9 }, { kind: "CHAR", length: 2 })).to.equal(
      true,
    );
    expect(isAssignable({ kind: "NULL" }, { kind: "TIMESTAMP" })).to.equal(true);
    expect(isAssignable({ kind: "TIMESTAMP" }, { kind: "BIGINT" })).to.equal(false);
  });

  it("types a CASE of two string lengths as the longer VARCHAR and refuses to mix strings and numbers", () => {
    expect(
      commonType([{ kind: "VARCHAR", length: 1 }, { kind: "CHAR", length: 4 }, { kind: "NULL" }]),
    ).to.deep.equal({
      kind: "VARCHAR",
      length: 4,
    });
    expect(commonType([{ kind: "VARCHAR", length: 1 }, { kind: "BIGINT" }])).to.equal(null);
  });
});
