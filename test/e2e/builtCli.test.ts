/**
 * The compiled commands (scripts/build.mjs to dist/, started by bin/sessionizer.js) against their
 * sources: they start, answer --help, and a replay and a report give what the source CLI gives.
 * The bundles must still find the files their sources read by path (sql/sessionize.sql, the
 * report's embedded Plot and page script), which is what the replay and the report check here.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const bin = path.join(root, "bin", "sessionizer.js");
const tsxHook = require.resolve("tsx/cjs");

function built(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: "utf8" });
}

function fromSource(script: string, args: string[]) {
  return spawnSync(
    process.execPath,
    ["--require", tsxHook, path.join(root, "harness", "cli", script), ...args],
    { cwd: root, encoding: "utf8" },
  );
}

const t0 = Date.UTC(2026, 0, 1, 23, 59, 50);
const clicks = [0, 3, 5, 30, 31, 60, 61].map(
  (seconds, i) =>
    JSON.stringify({
      user_id: `user${(i % 3) + 1}`,
      event_timestamp: String(t0 + seconds * 1000),
      device_type: i % 2 === 0 ? "mobile" : "desktop",
    }) + "\n",
);

describe("the built commands (bin/sessionizer.js, dist/)", function () {
  let dir: string;
  before(function () {
    // The first run builds dist/ when it is missing or older than a source.
    const build = spawnSync(
      process.execPath,
      [path.join(root, "scripts", "build.mjs"), "--if-stale"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(build.status, build.stderr).to.equal(0);
  });
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "built-cli-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("lists its commands on --help and refuses an unknown one with exit 2", () => {
    const help = built(["--help"]);
    expect(help.status, help.stderr).to.equal(0);
    expect(help.stdout).to.match(/^Usage: sessionizer <command>/);
    for (const command of [
      "start",
      "replay",
      "report",
      "simulate",
      "translate",
      "redrive",
      "bench",
    ]) {
      expect(help.stdout).to.contain(`\n  ${command} `);
    }
    const unknown = built(["sessionise"]);
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.contain('unknown command "sessionise"');
  });

  it("answers every command's --help with exit 0 and the source's text", () => {
    for (const [command, script] of [
      ["replay", "replay.ts"],
      ["simulate", "simulate.ts"],
      ["start", "start.ts"],
    ]) {
      const help = built([command, "--help"]);
      expect(help.status, `${command}: ${help.stderr}`).to.equal(0);
      expect(help.stdout, command).to.equal(fromSource(script, ["--help"]).stdout);
    }
  });

  it("replays a file to the same rows and counts as the source CLI", () => {
    const input = path.join(dir, "clicks.jsonl");
    fs.writeFileSync(input, clicks.join("") + "not json\n");
    const compiled = built(["replay", "--input", input]);
    const source = fromSource("replay.ts", ["--input", input]);
    expect(compiled.status, compiled.stderr).to.equal(0);
    expect(compiled.stdout.split("\n").filter(Boolean)).to.have.length(7);
    expect(compiled.stdout).to.equal(source.stdout);
    expect(compiled.stderr).to.equal(source.stderr);
  });

  it("writes the report with Plot and its page script embedded, as the source CLI does", () => {
    const input = path.join(dir, "clicks.jsonl");
    fs.writeFileSync(input, clicks.join(""));
    const output = path.join(dir, "report.html");
    const report = built(["report", "--input", input, "--output", output, "--json"]);
    expect(report.status, report.stderr).to.equal(0);
    expect(JSON.parse(report.stdout)).to.deep.include({ reportPath: output });
    const html = fs.readFileSync(output, "utf8");
    expect(html).to.contain("Plot");
    expect(html).to.contain('data-total="sessionRows" data-value="7"');
  });
});
