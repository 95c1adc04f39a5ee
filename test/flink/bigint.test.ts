/**
 * Exact 64-bit BIGINT on Flink (`npm run test:flink`): values near 2^53 and 2^63 through
 * arithmetic, CAST, NEG, ABS and windows (SUM totals past 2^63 included), on the harness and on flink-runner. Both must give the
 * same rows as delivered text (a BIGINT beyond 2^53 with its exact digits), and the same
 * error_stream rows where a result leaves the 64-bit range (docs/semantics.md, "Types and
 * overflow"). One JVM runs every application.
 */
import { expect } from "chai";
import { deliveryJson, replayLines } from "../../harness/emulator";
import { recordsFromReplayLines, runFlinkJobs, translateToFlink } from "../../harness/flink";

const streams = ["DESTINATION_SQL_STREAM", "error_stream"];

/** One pump per application, so that each row fails with one computation's error. */
const computations = [
  `"event_timestamp" + 1`,
  `"event_timestamp" - 2`,
  `"event_timestamp" * 2`,
  `"event_timestamp" / -1`,
  `"event_timestamp" / 3`,
  `- "event_timestamp"`,
  `ABS("event_timestamp")`,
  `CAST(CAST("event_timestamp" AS VARCHAR(30)) AS BIGINT)`,
  `CAST("user_id" AS BIGINT)`,
  `CAST(CAST("event_timestamp" AS DOUBLE) * 4 AS BIGINT)`,
  `FIRST_VALUE("event_timestamp") OVER (PARTITION BY "device_type" ROWS 1 PRECEDING)`,
  // Running totals that leave the 64-bit range and come back as the large values leave the window.
  `SUM("event_timestamp") OVER (PARTITION BY "device_type" ROWS 1 PRECEDING)`,
  `SUM("event_timestamp") OVER (ROWS 3 PRECEDING)`,
  `SUM("event_timestamp") OVER (PARTITION BY "device_type" RANGE INTERVAL '1' SECOND PRECEDING)`,
  `AVG("event_timestamp") OVER (RANGE INTERVAL '1' SECOND PRECEDING)`,
  `AVG("event_timestamp") OVER (PARTITION BY "device_type" ROWS 2 PRECEDING)`,
];

function application(computation: string): string {
  return `
CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("v" BIGINT, "text" VARCHAR(40), "ts" BIGINT);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM ${computation}, CAST("event_timestamp" AS VARCHAR(40)), "event_timestamp"
FROM "SOURCE_SQL_STREAM_001";`;
}

const values = [
  "9007199254740991",
  "9007199254740993",
  "-9007199254740993",
  "4611686018427387904",
  "9223372036854775807",
  "-9223372036854775808",
  "-9223372036854775807",
  "3074457345618258603",
];

/** Envelopes, so ROWTIME does not come from the huge values; bare numbers and digit strings. */
const lines = values.flatMap((value, i) => [
  JSON.stringify({
    data: { user_id: value.slice(0, 7), device_type: "d", event_timestamp: value },
    arrivalTime: 1_700_000_000_000 + i,
  }),
  `{"data":{"user_id":" ${value} ","device_type":"d","event_timestamp":${value}},"arrivalTime":${1_700_000_000_100 + i}}`,
]);

describe("engine flink: exact 64-bit BIGINT, as the harness", function () {
  this.timeout(10 * 60 * 1000);

  it("gives the harness's rows and overflow errors near 2^53 and 2^63", () => {
    const jobs = computations.map((computation) => ({
      spec: translateToFlink(application(computation), { outputs: streams }).spec,
      records: recordsFromReplayLines(lines),
    }));
    const outputs = runFlinkJobs(jobs);
    let overflows = 0;
    let beyondSafe = 0;
    computations.forEach((computation, i) => {
      for (const stream of streams) {
        const expected = [...replayLines(application(computation), lines, { stream })].map(
          deliveryJson,
        );
        const actual = (outputs[i].get(0)?.get(stream) ?? []).map(deliveryJson);
        expect(actual, `${computation} on ${stream}`).to.deep.equal(expected);
        overflows += expected.filter((row) => row.includes("Numeric_Overflow")).length;
        beyondSafe += expected.filter((row) => /"v":-?\d{17,}/.test(row)).length;
      }
    });
    // The cases reach both sides of the range, so the comparison covers both.
    expect(overflows).to.be.greaterThan(10);
    expect(beyondSafe).to.be.greaterThan(20);
  });
});
