/**
 * The CLIs together, as a user runs them: `npm run simulate -- --out` then `npm run replay` on the
 * file predicts what `npm start` with the same seed puts in the sessions table.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const tsx = require.resolve("tsx/cli");

function cli(script: string, args: string[]): string {
  return execFileSync(process.execPath, [tsx, path.join(root, "harness", "cli", script), ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** The session_id column of the sessions table `npm start` prints. */
function printedSessionIds(output: string): string[] {
  const lines = output.split("\n");
  const header = lines.findIndex((line) => /^user_id +session_id +session start$/.test(line));
  const end = lines.indexOf("", header);
  return lines.slice(header + 2, end).map((line) => line.split(/ +/)[1]);
}

describe("the simulate, replay and start CLIs together", () => {
  it("replaying the simulator's file for a seed predicts the sessions npm start stores for that seed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-e2e-"));
    const clicks = path.join(dir, "clicks.jsonl");
    const seed = ["--seed", "5", "--events", "300"];

    cli("simulate.ts", [...seed, "--out", clicks]);
    // npm start runs the product's SQL by default; the simulator's short user ids map the same
    // under the lab's input schema, which replay reads with
    const replayed = cli("replay.ts", ["--sql", path.join("sql", "product.sql"), "--input", clicks])
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { session_id: string | null });
    const startOutput = cli("start.ts", [
      ...seed,
      "--json",
      "--rows",
      "0",
      "--delivery-interval",
      "50",
      "--report",
      path.join(dir, "report.html"),
    ]);

    const summary = JSON.parse(startOutput.trimEnd().split("\n").at(-1) as string);
    const expected = new Set(replayed.map((row) => row.session_id).filter((id) => id !== null));
    expect(summary).to.include({
      events: 300,
      sessionRows: replayed.length,
      tableItems: expected.size,
      deadLetters: 0,
      reconciled: true,
    });
    expect(summary.redeliveries).to.equal(0);
    expect(new Set(printedSessionIds(startOutput))).to.deep.equal(expected);
    expect(fs.readFileSync(path.join(dir, "report.html"), "utf8")).to.contain("<svg");
  });
});

describe("every CLI's command line", () => {
  const clis = [
    "start.ts",
    "simulate.ts",
    "replay.ts",
    "plan.ts",
    "planComment.ts",
    "bench.ts",
    "redrive.ts",
  ];
  const run = (script: string, args: string[]) =>
    spawnSync(process.execPath, [tsx, path.join(root, "harness", "cli", script), ...args], {
      cwd: root,
      encoding: "utf8",
    });

  it("prints every option with its default for --help (and -h), and exits 0", () => {
    for (const script of clis) {
      const result = run(script, ["--help"]);
      expect(result.status, script).to.equal(0);
      expect(result.stdout, script).to.match(/^Usage: /);
      const options = result.stdout.split(/\n(?= {2}-)/).slice(1);
      expect(options.length, script).to.be.greaterThan(0);
      for (const option of options.slice(0, -1)) {
        expect(option.replace(/\s+/g, " "), `${script}: ${option}`).to.match(/\(default: /);
      }
      expect(options.at(-1), script).to.match(/^ {2}-h, --help/);
    }
    expect(run("start.ts", ["-h"]).stdout).to.equal(run("start.ts", ["--help"]).stdout);
  });

  it("exits 2 with one line naming the option, the value and what is allowed", () => {
    for (const script of clis) {
      const result = run(script, ["--no-such-option=1"]);
      expect(result.status, script).to.equal(2);
      expect(result.stderr, script).to.match(
        /^Unknown option "--no-such-option=1"; expected --\S+/,
      );
      expect(result.stderr.trimEnd().split("\n"), script).to.have.length(1);
    }
    const bad = run("start.ts", ["--engine", "flink"]);
    expect([bad.status, bad.stderr]).to.deep.equal([
      2,
      '--engine is "flink"; expected kda-sql or lambda\n',
    ]);
  });
});
