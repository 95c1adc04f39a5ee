/**
 * Value_Too_Long of a value the input mapping cut, on Flink as in the harness (`npm run
 * test:flink`): the overflow of a value equal to a cut input value names the length the record
 * carried (`100000 characters (truncated to 32 on input: "...")`), in the pump that reads the source
 * and in a pump further down; a value computed from it names its own length (docs/semantics.md,
 * "Types and overflow"). Both engines' error_stream rows must be identical as delivered text.
 */
import { expect } from "chai";
import { deliveryJson, replayLines } from "../../harness/emulator";
import { recordsFromReplayLines, runFlinkJobs, translateToFlink } from "../../harness/flink";
import { readSessionizeSql } from "../../sql/inputSchema";

const streams = ["INTERMEDIATE_SQL_STREAM", "DESTINATION_SQL_STREAM", "error_stream"];

/** One pump from the source into DESTINATION_SQL_STREAM's one column of `type`. */
function onePump(type: string, value: string): string {
  return `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("v" ${type});
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM ${value} FROM "SOURCE_SQL_STREAM_001";`;
}

/** The cut value copied into a wide stream first, then into narrow columns by a second pump. */
const cascade = `
CREATE OR REPLACE STREAM "INTERMEDIATE_SQL_STREAM" ("user_id" VARCHAR(64), "shout" VARCHAR(64));
CREATE OR REPLACE PUMP "WIDE" AS INSERT INTO "INTERMEDIATE_SQL_STREAM"
SELECT STREAM "user_id", "user_id" || '!' FROM "SOURCE_SQL_STREAM_001";
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("user_id" CHAR(7), "shout" VARCHAR(7));
CREATE OR REPLACE PUMP "NARROW" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM "user_id", 'ok' FROM "INTERMEDIATE_SQL_STREAM";
CREATE OR REPLACE PUMP "SHOUT" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM 'u', "shout" FROM "INTERMEDIATE_SQL_STREAM";`;

const applications: [string, string][] = [
  ["lab SQL", readSessionizeSql()],
  ["a copy into CHAR(7)", onePump("CHAR(7)", `"user_id"`)],
  ["a computed value", onePump("VARCHAR(7)", `"user_id" || '!'`)],
  ["a computed value equal to the cut one", onePump("VARCHAR(7)", `SUBSTRING("user_id", 1, 32)`)],
  ["a cut device_type", onePump("VARCHAR(7)", `"device_type"`)],
  ["a cascade", cascade],
];

const userIds = [
  "u".repeat(100_000),
  "a-user-id-longer-than-thirty-two-characters!",
  "x".repeat(32),
  "user_long_1",
  "user1",
];

const lines = userIds.map((userId, i) =>
  JSON.stringify({
    data: {
      user_id: userId,
      event_timestamp: 1_700_000_000_000 + i * 1000,
      event_name: "click",
      event_type: "ui",
      device_type: i === 1 ? "d".repeat(40) : "phone",
    },
    arrivalTime: 1_700_000_000_000 + i * 1000,
  }),
);

describe("engine flink: Value_Too_Long of a value the input mapping cut, as the harness", function () {
  this.timeout(10 * 60 * 1000);

  it("names the length before the cut exactly when the refused value equals the cut value", () => {
    const jobs = applications.map(([, sql]) => ({
      spec: translateToFlink(sql, {
        outputs: streams.filter((s) => s !== "error_stream" && sql.includes(`"${s}"`)),
      }).spec,
      records: recordsFromReplayLines(lines),
    }));
    const outputs = runFlinkJobs(jobs);
    const messages: string[] = [];
    applications.forEach(([name, sql], i) => {
      for (const stream of streams.filter((s) => sql.includes(`"${s}"`) || s === "error_stream")) {
        const expected = [...replayLines(sql, lines, { stream })].map(deliveryJson);
        const actual = (outputs[i].get(0)?.get(stream) ?? []).map(deliveryJson);
        expect(actual, `${name} on ${stream}`).to.deep.equal(expected);
        if (stream === "error_stream") {
          messages.push(...expected.map((row) => (JSON.parse(row) as { MESSAGE: string }).MESSAGE));
        }
      }
    });
    // The comparison covers both wordings: the cut value's and a computed value's.
    expect(messages).to.include(
      `Value too long for column "user_id" VARCHAR(7): 100000 characters (truncated to 32 on input: "${"u".repeat(32)}"); allowed at most 7`,
    );
    expect(messages).to.include(
      `Value too long for column "v" VARCHAR(7): 33 characters ("${"u".repeat(32)}!"); allowed at most 7`,
    );
    expect(messages.filter((m) => m.includes("on input")).length).to.be.greaterThan(8);
  });
});
