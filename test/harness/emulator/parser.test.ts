import { expect } from "chai";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { parseExpression, parseSql } from "../../../harness/emulator/parser";
import { SqlLoadError } from "../../../harness/emulator";

function loadError(sql: string): SqlLoadError {
  try {
    parseSql(sql);
  } catch (error) {
    if (error instanceof SqlLoadError) return error;
    throw error;
  }
  throw new Error("expected a SqlLoadError");
}

const pump = (select: string) => `CREATE PUMP "P" AS INSERT INTO "O" SELECT STREAM ${select}`;

describe("the SQL parser", () => {
  it("parses the lab's SQL into two streams and two pumps", () => {
    const statements = parseSql(readSessionizeSql());
    expect(statements.map((s) => [s.kind, s.name])).to.deep.equal([
      ["createStream", "INTERMEDIATE_SQL_STREAM"],
      ["createPump", "STREAM_PUMP1"],
      ["createStream", "DESTINATION_SQL_STREAM"],
      ["createPump", "STREAM_PUMP2"],
    ]);
  });

  it("reads IGNORE NULLS written after the call, as the lab does, and inside the parentheses", () => {
    for (const text of [
      "LAST_VALUE(x) IGNORE NULLS OVER (RANGE INTERVAL '1' HOUR PRECEDING)",
      "LAST_VALUE(x IGNORE NULLS) OVER (RANGE INTERVAL '1' HOUR PRECEDING)",
    ]) {
      const call = parseExpression(text);
      expect(call).to.include({ kind: "call", name: "LAST_VALUE", nulls: "IGNORE" });
    }
  });

  it("reads a RANGE frame as milliseconds", () => {
    const call = parseExpression(
      "LAST_VALUE(x) OVER (PARTITION BY k RANGE INTERVAL '24' HOUR PRECEDING)",
    );
    expect(call.kind === "call" && call.over?.frame).to.deep.include({ kind: "range" });
    expect(
      call.kind === "call" &&
        call.over?.frame.kind === "range" &&
        call.over.frame.interval.milliseconds,
    ).to.equal(86_400_000);
  });

  it("gives AND a higher precedence than OR and || a lower one than +", () => {
    const e = parseExpression("a OR b AND c");
    expect(e).to.deep.include({ kind: "binary", operator: "OR" });
    const c = parseExpression("a || b + c");
    expect(c).to.deep.include({ kind: "binary", operator: "||" });
  });

  it("names an unknown window unit with its position and the allowed units", () => {
    const error = loadError(
      pump(`LAST_VALUE("x") OVER (\n RANGE INTERVAL '1' WEEK PRECEDING) FROM "S"`),
    );
    expect(error.message).to.equal(
      'Unknown window unit "WEEK" at 2:21; expected SECOND, MINUTE, HOUR or DAY',
    );
    expect([error.line, error.column]).to.deep.equal([2, 21]);
  });

  it("rejects a JOIN at load with its position", () => {
    const error = loadError(pump(`"a" FROM "S"\n    JOIN "T" ON "a" = "b"`));
    expect(error.message).to.equal("Unsupported construct JOIN at 2:5");
  });

  it("rejects GROUP BY, ORDER BY and UNION by name", () => {
    expect(loadError(pump(`"a" FROM "S" GROUP BY "a"`)).message).to.match(
      /^Unsupported construct GROUP BY at 1:/,
    );
    expect(loadError(pump(`"a" FROM "S" WHERE "a" = 1 ORDER BY "a"`)).message).to.match(
      /^Unsupported construct ORDER BY/,
    );
    expect(loadError(pump(`"a" FROM "S" UNION ALL`)).message).to.match(
      /^Unsupported construct UNION/,
    );
  });

  it("rejects an unbounded window, whose state would grow with the stream", () => {
    const error = loadError(pump(`COUNT(*) OVER (ROWS UNBOUNDED PRECEDING) FROM "S"`));
    expect(error.message).to.match(
      /^Unsupported window frame ROWS UNBOUNDED PRECEDING at 1:\d+; window state must be bounded/,
    );
  });

  it("rejects a window without a frame", () => {
    expect(loadError(pump(`COUNT(*) OVER (PARTITION BY "a") FROM "S"`)).message).to.match(
      /^Window without a frame at 1:\d+; expected ROWS n PRECEDING or RANGE INTERVAL 'n' unit PRECEDING/,
    );
  });

  it("requires SELECT STREAM in a pump", () => {
    expect(loadError(`CREATE PUMP "P" AS INSERT INTO "O" SELECT "a" FROM "S"`).message).to.match(
      /^A pump needs SELECT STREAM at 1:43/,
    );
  });

  it("rejects other statements by name", () => {
    expect(loadError(`CREATE VIEW "V" AS SELECT 1`).message).to.equal(
      "Unsupported construct CREATE VIEW at 1:8",
    );
    expect(loadError(`SELECT STREAM * FROM "S"`).message).to.equal(
      "Unsupported construct SELECT at 1:1",
    );
  });

  it("says what it expected when a token is missing", () => {
    expect(loadError(`CREATE STREAM "S" ("a" VARCHAR(3)`).message).to.equal(
      "Unexpected end of input at 1:34; expected )",
    );
  });

  it("rejects an unknown column type with the supported ones", () => {
    expect(loadError(`CREATE STREAM "S" ("a" BLOB)`).message).to.match(
      /^Unsupported type BLOB at 1:24; expected VARCHAR\(n\)/,
    );
  });

  it("parses SUBSTRING ... FROM ... FOR, TRIM LEADING ... FROM and FLOOR ... TO", () => {
    expect(parseExpression("SUBSTRING(s FROM 2 FOR 3)")).to.deep.include({ name: "SUBSTRING" });
    const substring = parseExpression("SUBSTRING(s FROM 2 FOR 3)");
    expect(substring.kind === "call" && substring.args).to.have.length(3);
    expect(parseExpression("TRIM(LEADING 'x' FROM s)")).to.deep.include({ trimSide: "LEADING" });
    expect(parseExpression("FLOOR(ROWTIME TO HOUR)")).to.deep.include({ toUnit: "HOUR" });
  });

  it("desugars BETWEEN and IN into comparisons", () => {
    expect(parseExpression("a BETWEEN 1 AND 3")).to.deep.include({
      kind: "binary",
      operator: "AND",
    });
    expect(parseExpression("a IN (1, 2)")).to.deep.include({ kind: "binary", operator: "OR" });
  });
});
