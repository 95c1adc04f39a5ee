/**
 * The replay CLIs frame records with `RecordFeeder`; the emulator's `replayLines` frames them with
 * its own line feeder. Both follow docs/semantics.md, "Replay input": this holds them to the same
 * rows on every golden case.
 */
import { expect } from "chai";
import { loadApplication, replayLines, rowToDeliveryObject } from "../../../harness/emulator";
import { RecordFeeder } from "../../../harness/replay/recordFeeder";
import { clickInputSchema } from "../../../sql/inputSchema";
import { loadGoldenFiles, type GoldenCase } from "../../support/goldenCases";

function replayWithFeeder(goldenCase: GoldenCase): unknown[] {
  const app = loadApplication(goldenCase.sql, {
    ...goldenCase.options,
    includeSourceRows: goldenCase.stream === clickInputSchema.streamName,
  });
  const stream = app.streams.get(goldenCase.stream)!;
  const feeder = new RecordFeeder(app);
  const rows: unknown[] = [];
  goldenCase.input.forEach((text, i) => {
    const fed = feeder.feed({ kind: "line", text, line: i + 1, bytes: Buffer.byteLength(text) });
    for (const row of fed?.rows ?? []) {
      if (row.stream === stream.name) {
        rows.push(rowToDeliveryObject(stream, row, { trimChar: goldenCase.options.trimChar }));
      }
    }
  });
  return rows;
}

describe("the replay CLIs' record feeder", () => {
  const cases = loadGoldenFiles()
    .flatMap((file) => file.cases)
    .filter((c) => c.error === undefined && c.timeZone === undefined);

  it("frames lines exactly as the emulator's replayLines does, on every golden case", () => {
    expect(cases.length).to.be.greaterThan(100);
    for (const goldenCase of cases) {
      const expected = [
        ...replayLines(goldenCase.sql, goldenCase.input, {
          stream: goldenCase.stream,
          ...goldenCase.options,
        }),
      ];
      expect(replayWithFeeder(goldenCase), goldenCase.source).to.deep.equal(expected);
    }
  });

  it("reads an envelope's integer beyond 2^53 exactly, as the emulator's replay does", () => {
    // Both frame lines with the emulator's readReplayLine, which parses with parseJson.
    const app = loadApplication(
      'CREATE OR REPLACE STREAM "OUT" ("t" BIGINT); CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "event_timestamp" FROM "SOURCE_SQL_STREAM_001";',
    );
    const text = '{"data":{"user_id":"a","event_timestamp":9007199254740993},"arrivalTime":5}';
    const fed = new RecordFeeder(app).feed({ kind: "line", text, bytes: text.length })!;
    const out = fed.rows.filter((row) => row.stream === "OUT").map((row) => row.values);
    expect(out).to.deep.equal([[9007199254740993n]]);
    expect(fed.rows[0].rowtime).to.equal(5);
  });

  it("says which records entered the source stream without an event_timestamp", () => {
    const app = loadApplication(
      'CREATE OR REPLACE STREAM "OUT" ("u" VARCHAR(8)); CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM "user_id" FROM "SOURCE_SQL_STREAM_001";',
    );
    const feeder = new RecordFeeder(app);
    const missing = [
      '{"user_id":"a","event_timestamp":1000}',
      '{"user_id":"b"}',
      '{"user_id":"c","event_timestamp":null}',
      "not json",
    ].map((text) => feeder.feed({ kind: "line", text, bytes: text.length })!.missingTimestamp);
    expect(missing).to.deep.equal([false, true, true, false]);
  });
});
