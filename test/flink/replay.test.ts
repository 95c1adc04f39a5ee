/**
 * `replayOnFlink`, the library half of `npm run replay -- --engine flink` (`npm run test:flink`):
 * the same lines and options as the harness's replay give the same rows.
 */
import { expect } from "chai";
import { replayLines } from "../../harness/emulator";
import { replayOnFlink } from "../../harness/flink";
import { generateClicks, labClickStream } from "../../harness/simulator/clickGenerator";
import { readSessionizeSql } from "../../sql/inputSchema";

describe("engine flink: replayOnFlink", function () {
  this.timeout(5 * 60 * 1000);

  it("gives the harness's replay rows, envelopes and CHAR trimming included", () => {
    const clicks = [
      ...generateClicks({ ...labClickStream, seed: 9, count: 200, startMs: 1_700_000_000_000 }),
    ];
    const lines = [
      ...clicks.map((c, i) =>
        i % 3 === 0
          ? JSON.stringify({ data: c.record, arrivalTime: 1_700_000_000_000 + c.offsetMs })
          : JSON.stringify(c.record),
      ),
      "not json",
    ];
    const options = { trimChar: true, stream: "DESTINATION_SQL_STREAM" } as const;
    const expected = [...replayLines(readSessionizeSql(), lines, options)];
    expect(expected.length).to.be.greaterThan(5);
    expect(replayOnFlink(readSessionizeSql(), lines, options)).to.deep.equal(expected);
  });
});
