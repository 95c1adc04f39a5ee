/**
 * The KDA SQL to Flink SQL translator without Flink (Node only): what it refuses, with the construct
 * and its line:column, the job spec it hands the runner, the replay framing of its records, and the
 * `npm run translate` CLI. That Flink then gives the harness's rows is `npm run test:flink`'s work.
 */
import { expect } from "chai";
import { main } from "../../../harness/cli/translate";
import { recordsFromReplayLines, TranslateError, translateToFlink } from "../../../harness/flink";
import { readSessionizeSql } from "../../../sql/inputSchema";

const pump = (select: string, columns = '"v" BIGINT'): string =>
  `CREATE STREAM "DESTINATION_SQL_STREAM" (${columns});\n` +
  `CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"\nSELECT STREAM\n  ${select}\nFROM "SOURCE_SQL_STREAM_001";\n`;

function refusal(sql: string): TranslateError {
  try {
    translateToFlink(sql);
  } catch (error) {
    if (error instanceof TranslateError) return error;
    throw error;
  }
  throw new Error("translated, expected a refusal");
}

/** A writable that keeps what it is given. */
function sink(): { write(s: string): boolean; text: string } {
  return {
    text: "",
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

describe("harness/flink translateToFlink", () => {
  it("translates the lab's SQL into views over the runner's source, UTC, one output", () => {
    const { spec, sqlText } = translateToFlink(readSessionizeSql());
    expect(spec.settings).to.deep.equal({ "table.local-time-zone": "UTC" });
    expect(spec.source.stream).to.equal("SOURCE_SQL_STREAM_001");
    expect(spec.source.columns.map((c) => c.name)).to.deep.equal([
      "user_id",
      "event_timestamp",
      "event_name",
      "event_type",
      "device_type",
    ]);
    expect(spec.outputs.map((o) => o.stream)).to.deep.equal(["DESTINATION_SQL_STREAM"]);
    expect(spec.pumpErrors.map((p) => p.pump)).to.deep.equal(["STREAM_PUMP1", "STREAM_PUMP2"]);
    expect(sqlText).to.contain("LAG(`$a0`, 1) OVER w");
    expect(sqlText).to.contain("DATE_FORMAT(TO_TIMESTAMP_LTZ(");
    expect(spec.statements.every((s) => s.startsWith("CREATE TEMPORARY VIEW "))).to.equal(true);
  });

  it("writes RANGE aggregates through the runner's KDA_RANGE functions", () => {
    const { sqlText } = translateToFlink(
      pump(
        `MIN("event_timestamp") OVER (PARTITION BY "user_id" RANGE INTERVAL '1' HOUR PRECEDING)`,
      ),
    );
    expect(sqlText).to.contain(
      "KDA_RANGE_MIN_BIGINT(CAST(`$a0` AS BIGINT), `$rowtime`, CAST(3600000 AS BIGINT))",
    );
  });

  const refused: [string, string, string, string][] = [
    [
      "SUM of a DOUBLE",
      pump(`SUM(CAST("event_timestamp" AS DOUBLE)) OVER (ROWS 2 PRECEDING)`),
      "SUM of DOUBLE at 4:3",
      "only integer sums are exact",
    ],
    [
      "a decimal literal",
      pump(`"event_timestamp" + 1.5`, '"v" DOUBLE'),
      "the decimal literal 1.5 at 4:23",
      "JavaScript double",
    ],
    [
      "a day-name pattern",
      pump(`TIMESTAMP_TO_CHAR('EEE', TO_TIMESTAMP("event_timestamp"))`, '"v" VARCHAR(9)'),
      'TIMESTAMP_TO_CHAR format "EEE" at 4:3',
      "the pattern letters EEE",
    ],
    [
      "a CAST of DOUBLE to text",
      pump(`CAST(CAST("event_timestamp" AS DOUBLE) AS VARCHAR(30))`, '"v" VARCHAR(30)'),
      "CAST from DOUBLE to VARCHAR at 4:3",
      "print approximate numbers differently",
    ],
    [
      "a window argument that can fail",
      pump(`LAG("event_timestamp" / 0) OVER (ROWS 1 PRECEDING)`),
      "the arguments of LAG at 4:3",
      "can fail a row",
    ],
  ];
  for (const [what, sql, construct, why] of refused) {
    it(`refuses ${what}, naming the construct and its line:column`, () => {
      const error = refusal(sql);
      expect(error.message).to.contain(`Cannot translate ${construct} to Flink SQL`);
      expect(error.message).to.contain(why);
      const [line, column] = construct.split(" at ")[1].split(":").map(Number);
      expect([error.line, error.column]).to.deep.equal([line, column]);
    });
  }
});

describe("harness/flink recordsFromReplayLines", () => {
  it("frames replay lines as the harness does: envelopes, bare events, clamped ROWTIME, rejections", () => {
    const records = recordsFromReplayLines([
      '{"user_id":"a","event_timestamp":5000}',
      "",
      "not json",
      '{"data":{"user_id":"b"},"arrivalTime":4000}',
      '{"data":"eyJ1c2VyX2lkIjoiYyJ9","arrivalTime":6000}',
      '{"data":{},"arrivalTime":"soon"}',
      '{"user_id":"d","event_timestamp":"x"}',
    ]);
    expect(records.map((r) => r.arrivalTime)).to.deep.equal([5000, 5000, 4000, 6000, 6000, 6000]);
    expect(records.map((r) => r.text)).to.deep.equal([true, true, true, false, true, true]);
    expect(Buffer.from(records[2].data, "base64").toString()).to.equal('{"user_id":"b"}');
    expect(records[1].reject?.name).to.equal("Parse_Error");
    expect(records[4].reject).to.deep.equal({
      name: "Type_Conversion_Error",
      message: 'Envelope arrivalTime must be epoch milliseconds as an integer; got "soon"',
    });
    expect(records[5].reject).to.equal(undefined);
  });
});

describe("npm run translate", () => {
  it("prints the Flink SQL of the lab's SQL by default", () => {
    const out = sink();
    expect(main(["--target", "flink"], out as never, sink() as never)).to.equal(0);
    expect(out.text).to.match(/^-- Flink SQL translated/);
    expect(out.text).to.contain("SET 'table.local-time-zone' = 'UTC';");
  });

  it("exits 2 on a usage error and 0 on --help", () => {
    expect(main(["--target", "spark"], sink() as never, sink() as never)).to.equal(2);
    expect(main([], sink() as never, sink() as never)).to.equal(2);
    const out = sink();
    expect(main(["-h"], out as never, sink() as never)).to.equal(0);
    expect(out.text).to.contain("--target ENGINE");
  });

  it("exits 1 naming the file for SQL it cannot read", () => {
    const err = sink();
    expect(
      main(["--target", "flink", "--sql", "/nonexistent.sql"], sink() as never, err as never),
    ).to.equal(1);
    expect(err.text).to.contain("cannot read --sql /nonexistent.sql");
  });
});
