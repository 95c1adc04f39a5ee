/**
 * The SQL harness's semantics as data: every case in `test/harness/golden/*.case` (format in
 * `support/goldenCases.ts`) derived by hand from docs/semantics.md and the lab.
 */
import { expect } from "chai";
import { loadApplication, SqlLoadError } from "../../../harness/emulator";
import {
  applyPlaceholders,
  loadGoldenFiles,
  namedSql,
  parseGoldenText,
  type GoldenCase,
} from "../../support/goldenCases";
import {
  replayHere,
  replayInZone,
  replayThroughCli,
  type DeliveryRow,
  type ZoneReplays,
} from "../../support/replay";

const goldenFiles = loadGoldenFiles();

/** Replays of the cases with `tz:`, made once per zone when its first case runs. */
const zoneReplays = new Map<string, ZoneReplays>();

function replayedInZone(goldenCase: GoldenCase, timeZone: string): DeliveryRow[] {
  const zoneCases = goldenFiles.flatMap((file) =>
    file.cases.filter((c) => c.timeZone === timeZone),
  );
  let replays = zoneReplays.get(timeZone);
  if (!replays) {
    replays = replayInZone(zoneCases, timeZone);
    zoneReplays.set(timeZone, replays);
  }
  // Without this the case would pass vacuously on a machine where TZ is ignored.
  expect(replays.offsetMinutes, `${timeZone} took effect`).to.not.equal(0);
  const result = replays.results[zoneCases.indexOf(goldenCase)];
  if ("error" in result) throw new Error(`${goldenCase.source}: ${result.error}`);
  return result.rows;
}

describe("the SQL harness, case by case from the golden files", () => {
  for (const file of goldenFiles) {
    describe(`${file.file}: ${file.title}`, () => {
      for (const goldenCase of file.cases) {
        it(goldenCase.name, () =>
          goldenCase.error ? expectLoadError(goldenCase) : expectRows(goldenCase),
        );
      }
    });
  }
});

describe("the replay CLI on the golden replay of the lab", () => {
  it("prints the expected DESTINATION_SQL_STREAM rows from the input lines read on stdin", () => {
    const labReplay = goldenFiles
      .find((file) => file.file === "lab-replay.case")!
      .cases.find((c) => c.expected !== undefined)!;
    const printed = replayThroughCli(labReplay).map((row) => JSON.stringify(row));
    const expected = labReplay.expected!.map((line) => JSON.stringify(JSON.parse(line)));
    expect(printed).to.deep.equal(expected);
  });
});

function expectLoadError(goldenCase: GoldenCase): void {
  const { line, column, fragment } = goldenCase.error!;
  let thrown: unknown;
  try {
    loadApplication(goldenCase.sql);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${goldenCase.source}: loadApplication should throw`).to.be.instanceOf(
    SqlLoadError,
  );
  const error = thrown as SqlLoadError;
  expect([error.line, error.column], `${goldenCase.source}: ${error.message}`).to.deep.equal([
    line,
    column,
  ]);
  expect(error.message, goldenCase.source).to.contain(fragment).and.contain(`${line}:${column}`);
}

async function expectRows(goldenCase: GoldenCase): Promise<void> {
  const rows = goldenCase.timeZone
    ? replayedInZone(goldenCase, goldenCase.timeZone)
    : await replayHere(goldenCase);
  const expected = goldenCase.expected!;
  // Serialized rows, so that column order counts; placeholders stand in for values they accept.
  const actualLines = rows.map((row, index) =>
    JSON.stringify(
      index < expected.length ? applyPlaceholders(expected[index], row, goldenCase.input) : row,
    ),
  );
  const expectedLines = expected.map((line) => JSON.stringify(JSON.parse(line)));
  expect(actualLines, goldenCase.source).to.deep.equal(expectedLines);
}

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
