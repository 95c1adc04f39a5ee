/**
 * `--engine flink` on a machine without Java (`npm test` needs only Node): `npm run replay` and
 * `npm start` exit 1 with one line naming what is missing and how to install it, before reading
 * any input or sending any click; `--errors` is a usage error first. The Flink runs themselves are
 * in test/flink/ (`npm run test:flink`).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const tsxHook = require.resolve("tsx/cjs");

function cli(script: string, args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(
    process.execPath,
    ["--require", tsxHook, path.join(root, "harness", "cli", script), ...args],
    { cwd: root, encoding: "utf8", env, input: "" },
  );
}

describe("--engine flink without Java", () => {
  let empty: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    // A PATH with nothing on it: no java, no mvn.
    empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-java-"));
    env = { ...process.env, PATH: empty };
  });
  after(() => fs.rmSync(empty, { recursive: true, force: true }));

  it("npm run replay exits 1 with one line saying what to install", () => {
    const result = cli("replay.ts", ["--engine", "flink", "--input", "-"], env);
    expect(result.status).to.equal(1);
    expect(result.stdout).to.equal("");
    expect(result.stderr.trimEnd().split("\n")).to.have.length(1);
    expect(result.stderr).to.match(
      /^replay: engine flink needs Java 17: .*apt-get install openjdk-17/,
    );
  });

  it("npm run replay refuses --errors with --engine flink first, as a usage error", () => {
    const result = cli("replay.ts", ["--engine", "flink", "--errors", "errors.jsonl"], env);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/^--errors is harness-only/);
  });

  it("npm start exits 1 with the same line before any click is sent", () => {
    const result = cli("start.ts", ["--engine", "flink", "--events", "5"], env);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.match(/\nstart: engine flink needs Java 17: .*maven/);
    expect(result.stderr).not.to.contain("clicks sent");
  });
});
