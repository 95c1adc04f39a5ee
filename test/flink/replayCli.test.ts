/**
 * `npm run replay -- --engine flink` as a user runs it (`npm run test:flink`): the CLI spawned as a
 * process on the lab's clicks, on `aws kinesis get-records` output (gzip) and on a Firehose export
 * prints byte for byte what `--engine harness` prints, and options Flink cannot honour are usage
 * errors. Each Flink run starts a JVM, so the cases are few.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import { generateClicks, labClickStream } from "../../harness/simulator/clickGenerator";

const root = path.join(__dirname, "..", "..");
const tsxHook = require.resolve("tsx/cjs");

function replay(args: string[]) {
  return spawnSync(
    process.execPath,
    ["--require", tsxHook, path.join(root, "harness", "cli", "replay.ts"), ...args],
    { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
}

describe("engine flink: npm run replay -- --engine flink", function () {
  this.timeout(10 * 60 * 1000);
  let directory: string;
  const clicks = [
    ...generateClicks({ ...labClickStream, seed: 5, count: 600, startMs: 1_700_000_000_000 }),
  ];

  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "flink-replay-cli-"));
  });
  after(() => fs.rmSync(directory, { recursive: true, force: true }));

  function file(name: string, content: string | Buffer): string {
    const full = path.join(directory, name);
    fs.writeFileSync(full, content);
    return full;
  }

  /** Both engines on the same arguments: stdout byte for byte, and the same counts. */
  function bothEngines(args: string[]): string {
    const harness = replay([...args, "--engine", "harness"]);
    const flink = replay([...args, "--engine", "flink"]);
    expect(harness.status, harness.stderr).to.equal(0);
    expect(flink.status, flink.stderr).to.equal(0);
    expect(flink.stdout).to.equal(harness.stdout);
    // The same counts; Flink lists the streams in declaration order, the harness as they emit.
    const counts = (stderr: string) =>
      stderr
        .split("\n")
        .filter((line) => /^replay: (rows|errors):/.test(line))
        .flatMap((line) => line.replace(/^replay: \w+: /, "").split(", "))
        .sort();
    expect(counts(flink.stderr)).to.deep.equal(counts(harness.stderr));
    return harness.stdout;
  }

  it("prints the harness's rows for the lab's clicks as JSON lines", () => {
    const input = file(
      "clicks.jsonl",
      [...clicks.map((c) => JSON.stringify(c.record)), "not json", ""].join("\n"),
    );
    const stdout = bothEngines(["--input", input]);
    expect(stdout.split("\n").length).to.be.greaterThan(50);
  });

  it("prints the harness's error_stream rows for gzip get-records output", () => {
    const records = clicks.slice(0, 200).map((click, i) => ({
      SequenceNumber: String(49_600_000_000_000_000n + BigInt(i)),
      ApproximateArrivalTimestamp: (1_700_000_000_000 + click.offsetMs) / 1000,
      // A few records the input mapping rejects, so error_stream has rows.
      Data: Buffer.from(
        i % 40 === 0
          ? JSON.stringify({ ...click.record, event_timestamp: "soon" })
          : JSON.stringify(click.record),
      ).toString("base64"),
      PartitionKey: "user",
    }));
    records.push({ ...records[0], SequenceNumber: "1", Data: "not base64!" });
    const input = file("records.json.gz", gzipSync(JSON.stringify({ Records: records })));
    const stdout = bothEngines(["--input", input, "--stream", "error_stream"]);
    expect(stdout.split("\n").filter((l) => l !== "").length).to.be.greaterThan(5);
  });

  it("prints the harness's rows for a Firehose export, CHAR trimmed", () => {
    const input = file(
      "firehose",
      clicks
        .slice(0, 300)
        .map((c) => JSON.stringify(c.record))
        .join(""),
    );
    const stdout = bothEngines(["--input", input, "--input-format", "firehose", "--trim-char"]);
    expect(stdout).to.contain('"session_id"');
  });

  it("refuses --errors with --engine flink as a usage error naming the option", () => {
    const result = replay(["--engine", "flink", "--errors", path.join(directory, "e.jsonl")]);
    expect(result.status).to.equal(2);
    expect(result.stderr).to.match(/^--errors is harness-only/);
    expect(result.stdout).to.equal("");
  });
});
