/**
 * The SQL harness's semantics as data: every case in `test/harness/golden/*.case` (format in
 * `support/goldenCases.ts`) derived by hand from SEMANTICS.md and the lab.
 */
import { expect } from "chai";
import { loadGoldenFiles, namedSql, parseGoldenText } from "./support/goldenCases";

const goldenFiles = loadGoldenFiles();

describe("the golden files of the SQL harness", () => {
  it("hold at least one case in every file, each with rows or a load error to expect", () => {
    expect(goldenFiles.length).to.be.greaterThan(0);
    for (const file of goldenFiles) {
      expect(file.cases.length, file.file).to.be.greaterThan(0);
      for (const c of file.cases) {
        expect(c.expected !== undefined || c.error !== undefined, c.source).to.equal(true);
      }
    }
  });

  it("name every case with a distinct sentence", () => {
    const names = goldenFiles.flatMap((file) => file.cases.map((c) => c.name));
    expect(new Set(names).size).to.equal(names.length);
  });

  it("build the lab's step 6 SQL by replacing only the deployed WHERE line", () => {
    const deployed = namedSql.sessionize();
    const step6 = namedSql["sessionize-user1"]();
    expect(step6).to.contain(`WHERE "user_id" = 'user1';`);
    expect(step6).to.not.contain('WHERE "session_timestamp" IS NOT NULL');
    expect(step6.split("\n").length).to.equal(deployed.split("\n").length);
  });

  it("reject a malformed case naming the file and the line", () => {
    const text = "# t\ncase: has a stray line\nsql: sessionize\nstray\n";
    expect(() => parseGoldenText("bad.case", text)).to.throw("bad.case:4");
  });

  it("keep inline SQL verbatim so load-error positions count from its first line", () => {
    const text = "case: x\nsql:\n  SELECT\nFROM\nerror: 1:3 SELECT\n";
    const [parsed] = parseGoldenText("inline.case", text).cases;
    expect(parsed.sql).to.equal("  SELECT\nFROM\n");
    expect(parsed.error).to.deep.equal({ line: 1, column: 3, fragment: "SELECT" });
  });
});
