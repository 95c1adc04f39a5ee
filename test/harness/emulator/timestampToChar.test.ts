import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { compileDateFormat } from "../../../harness/emulator/functions";

/**
 * The table is java.text.SimpleDateFormat's own output (UTC, US locale), printed by
 * fixtures/TimestampToCharTable.java: an independent computation of every pattern letter KDA
 * documents, around year and month boundaries where week fields change.
 */
const table = JSON.parse(
  fs.readFileSync(path.join(__dirname, "fixtures", "timestampToChar.json"), "utf8"),
) as { patterns: string[]; rows: [number, ...string[]][] };

describe("TIMESTAMP_TO_CHAR against Java's SimpleDateFormat", () => {
  for (const [p, pattern] of table.patterns.entries()) {
    it(`formats ${JSON.stringify(pattern)} as Java does at ${table.rows.length} instants`, () => {
      const format = compileDateFormat(pattern);
      const differences = table.rows
        .map(([ms, ...expected]) => ({ ms, expected: expected[p], actual: format(ms) }))
        .filter((row) => row.actual !== row.expected);
      expect(differences).to.deep.equal([]);
    });
  }

  it("puts Monday 2024-12-30 in week 1 of week year 2025, as Java's US locale does", () => {
    expect(compileDateFormat("YYYY-'W'ww")(Date.UTC(2024, 11, 30))).to.equal("2025-W01");
    expect(compileDateFormat("yyyy")(Date.UTC(2024, 11, 30))).to.equal("2024");
  });
});
