/**
 * The CLIs together, as a user runs them: `npm run simulate -- --out` then `npm run replay` on the
 * file predicts what `npm start` with the same seed puts in the sessions table.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
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
  const header = lines.findIndex((line) => /^user_id +session_id +session_time$/.test(line));
  const end = lines.indexOf("", header);
  return lines.slice(header + 2, end).map((line) => line.split(/ +/)[1]);
}

describe("the simulate, replay and start CLIs together", () => {
  it("replaying the simulator's file for a seed predicts the sessions npm start stores for that seed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-e2e-"));
    const clicks = path.join(dir, "clicks.jsonl");
    const seed = ["--seed", "5", "--events", "300"];

    cli("simulate.ts", [...seed, "--out", clicks]);
    const replayed = cli("replay.ts", ["--input", clicks])
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
