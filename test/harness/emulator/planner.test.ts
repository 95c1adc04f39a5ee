import { expect } from "chai";
import { loadApplication, SqlLoadError } from "../../../harness/emulator";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { pumpSql, testSchema } from "./helpers";

function loadError(sql: string): SqlLoadError {
  try {
    loadApplication(sql, { inputSchema: testSchema });
  } catch (error) {
    if (error instanceof SqlLoadError) return error;
    throw error;
  }
  throw new Error("expected a SqlLoadError");
}

describe("the planner", () => {
  it("lists the source stream, the declared streams and error_stream", () => {
    const app = loadApplication(readSessionizeSql());
    expect([...app.streams.keys()]).to.deep.equal([
      "SOURCE_SQL_STREAM_001",
      "error_stream",
      "INTERMEDIATE_SQL_STREAM",
      "DESTINATION_SQL_STREAM",
    ]);
    expect(app.streams.get("DESTINATION_SQL_STREAM")!.columns.map((c) => c.name)).to.deep.equal([
      "user_id",
      "session_id",
      "session_time",
      "latest_time",
    ]);
  });

  it("names an unknown column and suggests the quoted spelling when only the case differs", () => {
    const error = loadError(pumpSql(`"a" BIGINT`, `v`));
    expect(error.message).to.equal(
      'Unknown column "V" at 2:52; did you mean "v"? Quoted names are case-sensitive, unquoted ones fold to upper case',
    );
  });

  it("does not let a SELECT-list alias be seen inside the same SELECT list", () => {
    const error = loadError(pumpSql(`"a" BIGINT, "b" BIGINT`, `"v" AS "x", "x"`));
    expect(error.message).to.match(/^Unknown column "x" at 2:\d+/);
  });

  it("names an unknown stream and lists the known ones", () => {
    const sql = `CREATE STREAM "OUT" ("a" BIGINT);
CREATE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "v" FROM "NOPE";`;
    expect(loadError(sql).message).to.equal(
      'Unknown stream "NOPE" at 2:61; expected one of "SOURCE_SQL_STREAM_001", "error_stream", "OUT"',
    );
  });

  it("rejects a SELECT list that does not match the target's columns", () => {
    expect(loadError(pumpSql(`"a" BIGINT, "b" BIGINT`, `"v"`)).message).to.match(
      /selects 1 columns but inserts into 2 columns of "OUT"/,
    );
  });

  it("rejects inserting a TIMESTAMP into a VARCHAR column without CAST", () => {
    expect(loadError(pumpSql(`"a" VARCHAR(30)`, `"t"`)).message).to.match(
      /^Cannot insert TIMESTAMP into column "a" VARCHAR\(30\) of "OUT" at 2:\d+; use CAST/,
    );
  });

  it("rejects arithmetic on a string and || on a number", () => {
    expect(loadError(pumpSql(`"a" BIGINT`, `"s" + 1`)).message).to.match(
      /^\+ at 2:\d+ expects numbers; got VARCHAR\(20\)/,
    );
    expect(loadError(pumpSql(`"a" VARCHAR(9)`, `"v" || 'x'`)).message).to.match(
      /^\|\| at 2:\d+ expects strings; got BIGINT/,
    );
  });

  it("rejects a window function in WHERE", () => {
    const error = loadError(
      pumpSql(`"a" BIGINT`, `"v"`, `WHERE COUNT(*) OVER (ROWS 1 PRECEDING) > 1`),
    );
    expect(error.message).to.match(/^Window function COUNT at 2:\d+ is not allowed here/);
  });

  it("rejects an aggregate without OVER", () => {
    expect(loadError(pumpSql(`"a" BIGINT`, `SUM("v")`)).message).to.match(
      /^Unsupported construct SUM without OVER/,
    );
  });

  it("rejects an unknown function and a wrong number of arguments", () => {
    expect(loadError(pumpSql(`"a" BIGINT`, `FOO("v")`)).message).to.match(
      /^Unknown function FOO at 2:\d+/,
    );
    expect(loadError(pumpSql(`"a" VARCHAR(9)`, `UPPER("s", "s")`)).message).to.match(
      /^UPPER at 2:\d+ takes 1 argument; got 2/,
    );
  });

  it("checks a literal TIMESTAMP_TO_CHAR format at load", () => {
    expect(
      loadError(pumpSql(`"a" VARCHAR(9)`, `TIMESTAMP_TO_CHAR('HH:mm:bb', "t")`)).message,
    ).to.match(/^Illegal pattern character "b" in date format "HH:mm:bb"/);
  });

  it("rejects a stream created twice without OR REPLACE and accepts it with", () => {
    const twice = `CREATE STREAM "A" ("x" BIGINT);\nCREATE STREAM "A" ("x" BIGINT);`;
    expect(loadError(twice).message).to.equal(
      'Stream "A" already exists at 2:1; use CREATE OR REPLACE STREAM',
    );
    const replaced = `CREATE STREAM "A" ("x" BIGINT);\nCREATE OR REPLACE STREAM "A" ("y" VARCHAR(3));`;
    const app = loadApplication(replaced, { inputSchema: testSchema });
    expect(app.streams.get("A")!.columns.map((c) => c.name)).to.deep.equal(["y"]);
  });

  it("rejects pumps that feed each other in a cycle", () => {
    const sql = `CREATE STREAM "A" ("x" BIGINT);
CREATE STREAM "B" ("x" BIGINT);
CREATE PUMP "P1" AS INSERT INTO "A" SELECT STREAM "x" FROM "B";
CREATE PUMP "P2" AS INSERT INTO "B" SELECT STREAM "x" FROM "A";`;
    expect(loadError(sql).message).to.match(
      /^Pumps form a cycle at \d+:1: "P\d" -> "P\d" -> "P\d"/,
    );
  });

  it("rejects a pump inserting into the source stream", () => {
    const sql = `CREATE PUMP "P" AS INSERT INTO "SOURCE_SQL_STREAM_001" SELECT STREAM * FROM "SOURCE_SQL_STREAM_001";`;
    expect(loadError(sql).message).to.match(
      /^A pump cannot insert into "SOURCE_SQL_STREAM_001" at 1:32/,
    );
  });
});
