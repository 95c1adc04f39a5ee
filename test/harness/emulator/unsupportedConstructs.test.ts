import { expect } from "chai";
import { loadApplication, SqlLoadError } from "../../../harness/emulator";

/** A one-pump application: `select` is the pump's SELECT item, `tail` what follows its FROM. */
const pump = (select: string, from = '"SOURCE_SQL_STREAM_001"', tail = ""): string =>
  `CREATE OR REPLACE STREAM "OUT" ("v" BIGINT);\n` +
  `CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"\n` +
  `SELECT STREAM ${select} AS "v"\n` +
  `FROM ${from}${tail};`;

const window = (frame: string): string => `COUNT(*) OVER (PARTITION BY "user_id" ${frame})`;

/** Every construct the harness refuses at load: the SQL, and the file:line:column and words expected. */
const unsupported: readonly { construct: string; sql: string; at: string; says: string }[] = [
  {
    construct: "JOIN",
    sql: pump('"event_timestamp"', '"SOURCE_SQL_STREAM_001" JOIN "SOURCE_SQL_STREAM_001" ON TRUE'),
    at: "4:30",
    says: "Unsupported construct JOIN",
  },
  {
    construct: "GROUP BY",
    sql: pump("COUNT(*)", undefined, ' GROUP BY "user_id"'),
    at: "4:30",
    says: "Unsupported construct GROUP BY",
  },
  {
    construct: "ORDER BY",
    sql: pump('"event_timestamp"', undefined, ' ORDER BY "user_id"'),
    at: "4:30",
    says: "Unsupported construct ORDER BY",
  },
  {
    construct: "UNION",
    sql: pump(
      '"event_timestamp"',
      undefined,
      ' UNION SELECT STREAM "event_timestamp" FROM "SOURCE_SQL_STREAM_001"',
    ),
    at: "4:30",
    says: "Unsupported construct UNION",
  },
  {
    construct: "a subquery",
    sql: pump('"event_timestamp"', '(SELECT STREAM * FROM "SOURCE_SQL_STREAM_001")'),
    at: "4:6",
    says: "Unsupported construct subquery in FROM",
  },
  {
    construct: "a named window",
    sql: pump(
      "COUNT(*) OVER w",
      undefined,
      ' WINDOW w AS (PARTITION BY "user_id" ROWS 2 PRECEDING)',
    ),
    at: "3:29",
    says: "Unsupported construct named window",
  },
  {
    construct: "an unbounded frame",
    sql: pump(window("ROWS UNBOUNDED PRECEDING")),
    at: "3:58",
    says: "Unsupported window frame ROWS UNBOUNDED PRECEDING",
  },
  {
    construct: "ROWS BETWEEN",
    sql: pump(window("ROWS BETWEEN 2 PRECEDING AND CURRENT ROW")),
    at: "3:58",
    says: "Unsupported construct ROWS BETWEEN",
  },
  {
    construct: "INTERVAL ... TO",
    sql: pump(window("RANGE INTERVAL '1:30' MINUTE TO SECOND PRECEDING")),
    at: "3:82",
    says: "Unsupported construct INTERVAL ... MINUTE TO",
  },
  {
    construct: "LIKE",
    sql: pump('"event_timestamp"', undefined, ` WHERE "user_id" LIKE 'u%'`),
    at: "4:46",
    says: "Unsupported construct LIKE",
  },
  {
    construct: "reading error_stream in a pump",
    sql: pump("1", '"error_stream"'),
    at: "4:6",
    says: 'Unsupported construct SELECT FROM "error_stream"',
  },
  {
    construct: "TIMESTAMP arithmetic with an INTERVAL",
    sql: pump("UNIX_TIMESTAMP(ROWTIME - INTERVAL '1' HOUR)"),
    at: "3:40",
    says: "Unsupported construct INTERVAL",
  },
  {
    construct: "DISTINCT in an aggregate",
    sql: pump('COUNT(DISTINCT "user_id") OVER (PARTITION BY "user_id" ROWS 2 PRECEDING)'),
    at: "3:21",
    says: "Unsupported construct COUNT(DISTINCT ...)",
  },
  {
    construct: "SELECT STREAM DISTINCT",
    sql: pump('DISTINCT "event_timestamp"'),
    at: "3:15",
    says: "Unsupported construct SELECT STREAM DISTINCT",
  },
];

describe("unsupported SQL constructs", () => {
  for (const { construct, sql, at, says } of unsupported) {
    it(`refuses ${construct} at load, naming the file, the construct and ${at}`, () => {
      let thrown: unknown;
      try {
        loadApplication(sql, { sqlFile: "sql/mine.sql" });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(SqlLoadError);
      const error = thrown as SqlLoadError;
      expect(error.message.startsWith(`sql/mine.sql:${at}: `), error.message).to.equal(true);
      expect(error.message).to.contain(says);
      expect(error.message, "the position once").not.to.contain(` at ${at}`);
      expect(`${error.line}:${error.column}`).to.equal(at);
      expect(error.file).to.equal("sql/mine.sql");
    });
  }

  it("leaves the message as it was when no file is named", () => {
    expect(() => loadApplication(pump("1", '"error_stream"'))).to.throw(
      SqlLoadError,
      /^Unsupported construct SELECT FROM "error_stream" at 4:6$/,
    );
  });
});
