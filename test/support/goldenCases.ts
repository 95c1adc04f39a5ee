/**
 * Reads the golden files of the SQL harness (`test/harness/golden/*.case`): SQL semantics written as
 * data, in the spirit of sqllogictest. One file per behaviour, one or more cases per file:
 *
 * ```
 * # A comment: any line starting with '#'.
 * case: starts a new session when the gap is 10001 ms      <- the test name, a sentence
 * sql: sessionize                                           <- a named SQL, or `sql:` then inline SQL
 * stream: DESTINATION_SQL_STREAM                            <- optional, this is the default
 * options: {"overflow":"truncate"}                          <- optional replay options (JSON)
 * tz: America/Los_Angeles                                   <- optional: replay in a child process in that zone
 * input:
 * {"user_id":"user1","event_timestamp":1654000000000,"device_type":"desktop"}
 * ----
 * {"user_id":"user1  ","session_id":"user1_desktop_12:26:40","session_time":"12:26:40","latest_time":"12:26:40"}
 * ```
 *
 * A case expecting a load error has `error: LINE:COLUMN fragment` instead of `input:` and `----`.
 * Expected rows may use placeholders as JSON string values: `"<non-empty>"`, `"<timestamp>"`
 * (`yyyy-MM-dd HH:mm:ss.SSS`), `"<contains TEXT>"` and `"<hex of input N>"` (the UTF-8 bytes of the
 * case's N-th input line, 1-based, as lower-case hex).
 */
import * as fs from "fs";
import * as path from "path";
import { readApplicationSql } from "../../sql/applications";
import { readSessionizeSql } from "../../sql/inputSchema";

/** Where the golden files live. */
export const goldenDirectory = path.join(__dirname, "..", "harness", "emulator", "golden");

/** The last line of the deployed SQL, which the lab's step 6 variant replaces. */
const finalWhereLine = 'WHERE "session_timestamp" IS NOT NULL;';

/**
 * SQL applications a case can name instead of writing its SQL inline:
 * - `sessionize`: `sql/sessionize.sql` as deployed (the lab's step 8);
 * - `sessionize-user1`: the lab's step 6, every row of user1 with its session_id
 *   (`WHERE "user_id" = 'user1';` in place of the last WHERE line);
 * - `product`: `sql/product.sql`, the product's application (its cases are in `test/sql/golden/`
 *   and run with its input schema).
 */
export const namedSql = {
  sessionize: (): string => readSessionizeSql(),
  product: (): string => readApplicationSql("product"),
  "sessionize-user1": (): string => {
    const sql = readSessionizeSql();
    if (!sql.includes(finalWhereLine)) {
      throw new Error(`sql/sessionize.sql no longer ends with ${finalWhereLine}`);
    }
    return sql.replace(finalWhereLine, `WHERE "user_id" = 'user1';`);
  },
} as const;

export type SqlName = keyof typeof namedSql;

/** Options a case passes to `replayLines`. */
export interface CaseOptions {
  readonly overflow?: "error" | "truncate";
  readonly timestampToCharNull?: "null" | "string";
  /** Trim CHAR padding in the delivered rows (the delivery keeps it by default). */
  readonly trimChar?: boolean;
}

export interface ExpectedLoadError {
  readonly line: number;
  readonly column: number;
  /** Text the error message must contain (besides `line:column`). */
  readonly fragment: string;
}

/** One golden case, ready to run. */
export interface GoldenCase {
  /** File name and line of the `case:` header, for failure messages. */
  readonly source: string;
  readonly name: string;
  /** The SQL name (`sessionize`) or `inline`. */
  readonly sqlName: SqlName | "inline";
  readonly sql: string;
  readonly stream: string;
  readonly options: CaseOptions;
  /** IANA zone to replay in, in a child process; undefined replays in this process. */
  readonly timeZone?: string;
  readonly input: readonly string[];
  /** Expected rows as JSON lines, possibly with placeholders; undefined when a load error is expected. */
  readonly expected?: readonly string[];
  readonly error?: ExpectedLoadError;
}

/** One golden file: its name, its title (first comment line) and its cases. */
export interface GoldenFile {
  readonly file: string;
  readonly title: string;
  readonly cases: readonly GoldenCase[];
}

const headerPattern = /^(case|sql|stream|options|tz|input|error):(.*)$/;
const optionKeys = new Set(["overflow", "timestampToCharNull", "trimChar"]);

interface Draft {
  line: number;
  name: string;
  sqlName?: SqlName | "inline";
  sqlLines: string[];
  stream?: string;
  options: CaseOptions;
  timeZone?: string;
  input: string[];
  expected?: string[];
  error?: ExpectedLoadError;
}

type Section = "header" | "sql" | "input" | "expected";

/** Parses one golden file's text; throws with `file:line` on anything malformed. */
export function parseGoldenText(file: string, text: string): GoldenFile {
  const lines = text.split(/\r?\n/);
  const title = (lines.find((l) => l.startsWith("#")) ?? "").replace(/^#\s*/, "");
  const cases: GoldenCase[] = [];
  let draft: Draft | undefined;
  let section: Section = "header";
  const fail = (lineNo: number, why: string): never => {
    throw new Error(`${file}:${lineNo}: ${why}`);
  };

  const finish = (): void => {
    if (!draft) return;
    const where = `${file}:${draft.line}`;
    if (!draft.sqlName) fail(draft.line, "case has no sql:");
    if (!draft.error && !draft.expected) fail(draft.line, "case has neither ---- nor error:");
    if (draft.error && (draft.expected || draft.input.length > 0)) {
      fail(draft.line, "a load-error case has no input and no expected rows");
    }
    const sql =
      draft.sqlName === "inline"
        ? trimTrailingBlank(draft.sqlLines).join("\n") + "\n"
        : namedSql[draft.sqlName as SqlName]();
    if (draft.sqlName === "inline" && draft.sqlLines.every((l) => l.trim() === "")) {
      fail(draft.line, "inline sql: is empty");
    }
    cases.push({
      source: where,
      name: draft.name,
      sqlName: draft.sqlName as SqlName | "inline",
      sql,
      stream: draft.stream ?? "DESTINATION_SQL_STREAM",
      options: draft.options,
      timeZone: draft.timeZone,
      input: draft.input,
      expected: draft.expected,
      error: draft.error,
    });
    draft = undefined;
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    if (raw.startsWith("#")) return;
    const header = headerPattern.exec(raw);
    if (header) {
      const key = header[1];
      const value = header[2].trim();
      if (key === "case") {
        finish();
        if (value === "") fail(lineNo, "case: needs a name (a sentence)");
        draft = { line: lineNo, name: value, sqlLines: [], options: {}, input: [] };
        section = "header";
        return;
      }
      if (!draft) return fail(lineNo, `${key}: before any case:`);
      if (section === "expected") fail(lineNo, `${key}: after ---- (expected rows come last)`);
      switch (key) {
        case "sql":
          if (value === "") {
            draft.sqlName = "inline";
            section = "sql";
          } else if (value in namedSql) {
            draft.sqlName = value as SqlName;
            section = "header";
          } else {
            fail(
              lineNo,
              `unknown sql "${value}"; expected ${Object.keys(namedSql).join(", ")} or inline`,
            );
          }
          return;
        case "stream":
          draft.stream = value;
          section = "header";
          return;
        case "options":
          draft.options = parseOptions(value, (why) => fail(lineNo, why));
          section = "header";
          return;
        case "tz":
          draft.timeZone = value;
          section = "header";
          return;
        case "input":
          section = "input";
          return;
        case "error":
          draft.error = parseError(value, (why) => fail(lineNo, why));
          section = "header";
          return;
      }
    }
    if (raw === "----") {
      if (!draft) return fail(lineNo, "---- before any case:");
      draft.expected = [];
      section = "expected";
      return;
    }
    switch (section) {
      case "sql":
        draft!.sqlLines.push(raw);
        return;
      case "input":
        if (raw.trim() !== "") draft!.input.push(raw);
        return;
      case "expected":
        if (raw.trim() === "") return;
        try {
          JSON.parse(raw);
        } catch {
          fail(lineNo, `expected row is not JSON: ${raw}`);
        }
        draft!.expected!.push(raw);
        return;
      case "header":
        if (raw.trim() !== "") fail(lineNo, `unexpected line outside input/sql/expected: ${raw}`);
        return;
    }
  });
  finish();
  return { file, title, cases };
}

function trimTrailingBlank(lines: readonly string[]): string[] {
  const copy = [...lines];
  while (copy.length > 0 && copy[copy.length - 1].trim() === "") copy.pop();
  return copy;
}

function parseOptions(value: string, fail: (why: string) => never): CaseOptions {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fail(`options: is not JSON: ${value}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return fail(`options: must be a JSON object, got ${value}`);
  }
  for (const key of Object.keys(parsed)) {
    if (!optionKeys.has(key))
      fail(`unknown option "${key}"; expected ${[...optionKeys].join(", ")}`);
  }
  return parsed as CaseOptions;
}

function parseError(value: string, fail: (why: string) => never): ExpectedLoadError {
  const match = /^(\d+):(\d+)\s+(.+)$/.exec(value);
  if (!match) return fail(`error: must be "LINE:COLUMN fragment", got "${value}"`);
  return { line: Number(match[1]), column: Number(match[2]), fragment: match[3] };
}

/** Every golden file directly in `test/harness/golden/` (not `pending/`), sorted by name. */
export function loadGoldenFiles(directory: string = goldenDirectory): GoldenFile[] {
  return fs
    .readdirSync(directory)
    .filter((name) => name.endsWith(".case"))
    .sort()
    .map((name) => parseGoldenText(name, fs.readFileSync(path.join(directory, name), "utf8")));
}

const placeholderPattern = /^<(non-empty|timestamp|contains (.+)|hex of input (\d+))>$/;
const timestampPattern = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;

/**
 * Makes an actual row comparable with an expected line: where the expected row holds a placeholder
 * and the actual value satisfies it, the actual value is replaced by the placeholder. Key order is
 * left as the engine produced it, so comparing the serialized rows still checks column order.
 */
export function applyPlaceholders(
  expectedLine: string,
  actual: Record<string, unknown>,
  input: readonly string[],
): Record<string, unknown> {
  const expected = JSON.parse(expectedLine) as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(actual)) {
    const wanted = expected[key];
    const match = typeof wanted === "string" ? placeholderPattern.exec(wanted) : null;
    result[key] = match && satisfies(match, value, input) ? wanted : value;
  }
  return result;
}

function satisfies(match: RegExpExecArray, value: unknown, input: readonly string[]): boolean {
  if (typeof value !== "string") return false;
  if (match[1] === "non-empty") return value.length > 0;
  if (match[1] === "timestamp") return timestampPattern.test(value);
  if (match[2] !== undefined) return value.includes(match[2]);
  const line = input[Number(match[3]) - 1];
  return line !== undefined && value === Buffer.from(line, "utf8").toString("hex");
}
