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

describe("the simulate, replay and start CLIs together", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-e2e-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("replaying the simulator's file for a seed predicts the sessions npm start stores for that seed", () => {
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

    // --json: stdout is the one JSON object, nothing else.
    const summary = JSON.parse(startOutput);
    const expected = new Set(replayed.map((row) => row.session_id).filter((id) => id !== null));
    expect(summary).to.include({
      events: 300,
      sessionRows: replayed.length,
      tableItems: expected.size,
      deadLetters: 0,
      reconciled: true,
    });
    expect(summary.redeliveries).to.equal(0);
    const stored = summary.sessions.map((item: { session_id: string }) => item.session_id);
    expect(new Set(stored)).to.deep.equal(expected);
    const report = fs.readFileSync(path.join(dir, "report.html"), "utf8");
    expect(report).to.contain(
      '<div class="total" data-total="tableItems" data-value="' + expected.size + '">',
    );
  });
});

describe("every CLI's command line", () => {
  const clis = [
    "start.ts",
    "simulate.ts",
    "replay.ts",
    "report.ts",
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
    const bad = run("start.ts", ["--engine", "spark"]);
    expect([bad.status, bad.stderr]).to.deep.equal([
      2,
      '--engine is "spark"; expected one of kda-sql, lambda or flink\n',
    ]);
  });

  it("refuses options that do nothing together, before printing anything", () => {
    const result = run("simulate.ts", ["--partition-key", "1", "--out", "-"]);
    expect([result.status, result.stderr, result.stdout]).to.deep.equal([
      2,
      "--partition-key cannot be used with --out\n",
      "",
    ]);
    const shards = run("start.ts", ["--shards", "0"]);
    expect([shards.status, shards.stderr]).to.deep.equal([
      2,
      '--shards is "0"; expected an integer of at least 1\n',
    ]);
  });

  it("says in one line, before any header, that AWS has no region or no credentials", () => {
    // No AWS settings at all, as on a machine that never ran `aws configure`.
    const env: Record<string, string | undefined> = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")),
    );
    Object.assign(env, {
      AWS_CONFIG_FILE: path.join(root, "no-such-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(root, "no-such-aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    const spawnCli = (args: string[], extra: Record<string, string> = {}) =>
      spawnSync(
        process.execPath,
        [tsx, path.join(root, "harness", "cli", "simulate.ts"), ...args],
        {
          cwd: root,
          encoding: "utf8",
          env: { ...env, ...extra },
        },
      );
    const noRegion = spawnCli(["--stream", "clicks", "--events", "3"]);
    expect([noRegion.status, noRegion.stderr]).to.deep.equal([
      1,
      "simulate: no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)\n",
    ]);
    const noCredentials = spawnCli([
      "--stream",
      "clicks",
      "--events",
      "3",
      "--region",
      "eu-west-1",
    ]);
    expect(noCredentials.status).to.equal(1);
    expect(noCredentials.stderr).to.match(/^simulate: no AWS credentials: set AWS_PROFILE, .*\n$/);
    expect(noCredentials.stderr.split("\n")).to.have.length(2);
  });
});
