import { expect } from "chai";
import { loadSessionizeApplication } from "../../../harness/emulator";

/** A lab click whose device_type is an array nested `depth` levels deep. */
const deeplyNested = (depth: number): string =>
  `{"user_id":"user1","event_timestamp":"1654000000000","device_type":${"[".repeat(depth)}${"]".repeat(depth)}}`;

describe("hostile records", () => {
  for (const depth of [12_000, 100_000]) {
    it(`turns a value nested ${depth} levels deep into one error row and goes on`, () => {
      const app = loadSessionizeApplication();
      const rows = app.push({ data: deeplyNested(depth), arrivalTime: 1 });
      expect(rows.map((row) => [row.stream, row.values[2]])).to.deep.equal([
        ["error_stream", "Type_Conversion_Error"],
      ]);
      expect(String(rows[0].values[3])).to.contain("$.device_type value [...]");
      const next = app.push({
        data: '{"user_id":"user1","event_timestamp":"1654000000000","device_type":"mobile"}',
        arrivalTime: 2,
      });
      expect(next.map((row) => row.stream)).to.include("DESTINATION_SQL_STREAM");
    });
  }
});
