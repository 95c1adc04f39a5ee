import { expect } from "chai";
import {
  loadApplication,
  loadSessionizeApplication,
  replayLines,
  rowToDeliveryObject,
  type Row,
} from "../../../harness/emulator";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { pumpSql, pushAll, rec, run, testSchema } from "./helpers";

const copy = pumpSql(`"k" VARCHAR(8), "v" BIGINT`, `"k", "v"`);

describe("the application", () => {
  describe("input mapping", () => {
    it("converts a string of digits for a BIGINT column and maps a missing field to NULL", () => {
      const rows = run(copy, [
        rec({ k: "a", v: "-1654000000000" }, 0),
        rec({ k: "b" }, 1),
        rec({ k: "c", v: null }, 2),
      ]);
      expect(rows).to.deep.equal([
        { k: "a", v: -1654000000000 },
        { k: "b", v: null },
        { k: "c", v: null },
      ]);
    });

    it("rejects letters, spaces, fractions and booleans for a BIGINT column into error_stream", () => {
      const bad = ["12a", " 12", "1.5", true, { x: 1 }, [1], 1.5];
      const rows = run(
        copy,
        bad.map((v, i) => rec({ k: "a", v }, i)),
        { stream: "error_stream" },
      );
      expect(rows.map((r) => r.ERROR_NAME)).to.deep.equal(bad.map(() => "Type_Conversion_Error"));
      expect(rows[0].MESSAGE).to.equal(
        'Cannot map $.v value "12a" to BIGINT column "v"; expected an integer from -9223372036854775808 to 9223372036854775807, as a number or a string of digits with an optional leading -',
      );
      expect(rows.every((r) => r.PUMP_NAME === null)).to.equal(true);
    });

    it("truncates an input string longer than its column silently", () => {
      expect(run(copy, [rec({ k: "abcdefghijk" }, 0)])).to.deep.equal([{ k: "abcdefgh", v: null }]);
    });

    it("turns a record that is not a JSON object into one error_stream row with the raw bytes in hex", () => {
      const app = loadApplication(copy, { inputSchema: testSchema });
      const rows = pushAll(app, [rec("[1,2]", 5), rec("nope", 6)]);
      expect(rows.map((r) => r.stream)).to.deep.equal(["error_stream", "error_stream"]);
      const first = rowToDeliveryObject(app.streams.get("error_stream")!, rows[0]);
      expect(first).to.deep.equal({
        ERROR_TIME: "1970-01-01 00:00:00.005",
        ERROR_LEVEL: "ERROR",
        ERROR_NAME: "Not_A_JSON_Object",
        MESSAGE: "Record is an array, not a JSON object",
        DATA_ROWTIME: "1970-01-01 00:00:00.005",
        DATA_ROW: Buffer.from("[1,2]").toString("hex"),
        PUMP_NAME: null,
      });
      expect(rows[1].values[2]).to.equal("Parse_Error");
    });

    it("keeps going after a bad record, which is nobody's previous row", () => {
      const sql = pumpSql(`"a" BIGINT`, `LAG("v") OVER (PARTITION BY "k" ROWS 1 PRECEDING)`);
      const rows = run(sql, [
        rec({ k: "a", v: 1 }, 0),
        rec({ k: "a", v: "x" }, 1),
        rec({ k: "a", v: 3 }, 2),
      ]);
      expect(rows).to.deep.equal([{ a: null }, { a: 1 }]);
    });

    it("decodes bytes as UTF-8", () => {
      const app = loadApplication(copy, { inputSchema: testSchema });
      const rows = app.push({ data: new TextEncoder().encode('{"k":"é"}'), arrivalTime: 0 });
      expect(rows[0].values).to.deep.equal(["é", null]);
    });
  });

  describe("ROWTIME", () => {
    const sql = pumpSql(`"r" TIMESTAMP`, `ROWTIME`);

    it("is the arrival time, clamped so it never decreases", () => {
      expect(run(sql, [rec({}, 1000), rec({}, 500), rec({}, 2000)])).to.deep.equal([
        { r: "1970-01-01 00:00:01.000" },
        { r: "1970-01-01 00:00:01.000" },
        { r: "1970-01-01 00:00:02.000" },
      ]);
    });

    it("is copied unchanged through pumps", () => {
      const app = loadApplication(readSessionizeSql());
      const rows = app.push({ data: '{"user_id":"u","event_timestamp":1}', arrivalTime: 777 });
      expect(rows.map((r) => [r.stream, r.rowtime])).to.deep.equal([
        ["INTERMEDIATE_SQL_STREAM", 777],
        ["DESTINATION_SQL_STREAM", 777],
      ]);
    });

    it("must be a finite number", () => {
      const app = loadApplication(copy, { inputSchema: testSchema });
      expect(() => app.push({ data: "{}", arrivalTime: Number.NaN })).to.throw(
        TypeError,
        /arrivalTime must be epoch milliseconds/,
      );
    });
  });

  describe("INSERT into a pump's target", () => {
    const narrow = pumpSql(`"a" VARCHAR(3), "c" CHAR(5)`, `"s", 'ab'`);

    it("blank-pads CHAR values", () => {
      expect(run(narrow, [rec({ s: "abc" }, 0)])).to.deep.equal([{ a: "abc", c: "ab   " }]);
    });

    it("sends a VARCHAR overflow to error_stream with the pump's name by default", () => {
      const rows = run(narrow, [rec({ s: "abcd" }, 0)], { stream: "error_stream" });
      expect(rows).to.have.length(1);
      expect(rows[0]).to.include({ ERROR_NAME: "Value_Too_Long", PUMP_NAME: "P" });
      expect(rows[0].MESSAGE).to.match(/^Value too long for column "a" VARCHAR\(3\): 4 characters/);
      expect(Buffer.from(rows[0].DATA_ROW as string, "hex").toString()).to.equal(
        '{"k":null,"v":null,"s":"abcd","t":null}',
      );
    });

    describe("a value the input mapping cut", () => {
      // user_id is VARCHAR(32) on input and VARCHAR(7) in the lab's INTERMEDIATE_SQL_STREAM.
      const longId = "u".repeat(100_000);
      // The schema's five fields in order: the flat-record scanner's fast path takes it.
      const click = JSON.stringify({
        user_id: longId,
        event_timestamp: 1654000000000,
        event_name: "search",
        event_type: "click",
        device_type: "desktop",
      });
      const expected =
        'Value too long for column "user_id" VARCHAR(7): 100000 characters ' +
        `(truncated to 32 on input: "${"u".repeat(32)}"); allowed at most 7`;
      const messages = (rows: readonly Row[]) =>
        rows.filter((r) => r.stream === "error_stream").map((r) => r.values[3]);

      it("names the original length, on the fast path, the general path and a parsed record", () => {
        const app = loadSessionizeApplication();
        const reordered = JSON.stringify({ event_timestamp: 1654000000000, user_id: longId });
        const parsed = { parsed: JSON.parse(click), raw: click };
        for (const data of [click, Buffer.from(reordered), parsed]) {
          expect(messages(app.push({ data, arrivalTime: 0 }))).to.deep.equal([expected]);
        }
      });

      it("names the original length in the replay of lines", () => {
        const rows = [...replayLines(readSessionizeSql(), [click], { stream: "error_stream" })];
        expect(rows.map((r) => r.MESSAGE)).to.deep.equal([expected]);
      });

      it("names the length the pump saw for a value that was not cut, in the next record too", () => {
        const app = loadSessionizeApplication();
        app.push({ data: click, arrivalTime: 0 });
        const short = JSON.stringify({ user_id: "user_long_1", event_timestamp: 1654000000000 });
        expect(messages(app.push({ data: short, arrivalTime: 1 }))).to.deep.equal([
          'Value too long for column "user_id" VARCHAR(7): 11 characters ("user_long_1"); allowed at most 7',
        ]);
      });

      it("names the length the pump saw for a value computed from a cut one", () => {
        const sql = pumpSql(`"a" VARCHAR(10)`, `"s" || '!'`);
        const rows = run(sql, [rec({ s: "x".repeat(30) }, 0)], { stream: "error_stream" });
        expect(rows.map((r) => r.MESSAGE)).to.deep.equal([
          `Value too long for column "a" VARCHAR(10): 21 characters ("${"x".repeat(20)}!"); allowed at most 10`,
        ]);
      });
    });

    it("reports one error per failing row and never carries it into the next row", () => {
      const sql = pumpSql(`"a" VARCHAR(3), "b" BIGINT`, `"s", 1 / "v"`);
      const app = loadApplication(sql, { inputSchema: testSchema });
      const rows = pushAll(app, [rec({ s: "abcd", v: 0 }, 0), rec({ s: "abc", v: 1 }, 1)]);
      expect(
        rows.map((r) => [r.stream, r.stream === "error_stream" ? r.values[2] : r.values]),
      ).to.deep.equal([
        ["error_stream", "Division_By_Zero"],
        ["OUT", ["abc", 1]],
      ]);
    });

    it("truncates instead when overflow is truncate", () => {
      expect(run(narrow, [rec({ s: "abcd" }, 0)], { overflow: "truncate" })).to.deep.equal([
        { a: "abc", c: "ab   " },
      ]);
    });
  });

  it("returns rows of declared streams and error_stream in emission order, without source rows", () => {
    const app = loadSessionizeApplication();
    const rows = app.push({
      data: '{"user_id":"u1","event_timestamp":"1000","device_type":"d"}',
      arrivalTime: 1,
    });
    expect(rows.map((r) => r.stream)).to.deep.equal([
      "INTERMEDIATE_SQL_STREAM",
      "DESTINATION_SQL_STREAM",
    ]);
    const withSource = loadSessionizeApplication({ includeSourceRows: true });
    const all = withSource.push({
      data: '{"user_id":"u1","event_timestamp":"1000"}',
      arrivalTime: 1,
    });
    expect(all[0].stream).to.equal("SOURCE_SQL_STREAM_001");
  });

  it("runs the lab: a gap of exactly 10000 ms continues a session, 10001 ms starts one", () => {
    const app = loadSessionizeApplication();
    const stream = app.streams.get("DESTINATION_SQL_STREAM")!;
    const t0 = Date.UTC(2022, 4, 31, 10, 0, 0);
    const out = [0, 10_000, 20_001, 20_500].flatMap((offset, i) =>
      app
        .push({
          data: JSON.stringify({
            user_id: "user1",
            event_timestamp: String(t0 + offset),
            device_type: "desktop",
          }),
          arrivalTime: i,
        })
        .filter((r) => r.stream === stream.name)
        .map((r) => rowToDeliveryObject(stream, r)),
    );
    expect(out).to.deep.equal([
      {
        user_id: "user1  ",
        session_id: "user1_desktop_10:00:00",
        session_time: "10:00:00",
        latest_time: "10:00:00",
      },
      {
        user_id: "user1  ",
        session_id: "user1_desktop_10:00:20",
        session_time: "10:00:20",
        latest_time: "10:00:20",
      },
    ]);
  });

  it("trims CHAR padding in delivery objects on request", () => {
    const app = loadSessionizeApplication();
    const stream = app.streams.get("DESTINATION_SQL_STREAM")!;
    const [, row] = app.push({ data: '{"user_id":"u1","event_timestamp":1}', arrivalTime: 1 });
    expect(rowToDeliveryObject(stream, row, { trimChar: true }).user_id).to.equal("u1");
    expect(rowToDeliveryObject(stream, row).user_id).to.equal("u1     ");
  });
});
