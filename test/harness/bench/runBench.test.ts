/**
 * The benchmark on a small clickstream: every peer runs as a whole compiled process and its rows
 * are checked against the handwritten loop's, in both scenarios, and the memory scenario reports
 * the replay's peak RSS. (The Flink peer needs Java and Maven and takes minutes: test:flink's
 * business, not this one's.)
 */
import { expect } from "chai";
import { runBench, type BenchOptions } from "../../../harness/bench/runBench";

const small: BenchOptions = {
  events: 3000,
  users: 50,
  seed: 7,
  repeat: 1,
  naivePrefix: 300,
  flinkPrefix: 300,
  lambdaPrefix: 100,
  deliveryRecords: 10,
  memoryUsers: 500,
  memoryEvents: 3000,
  memory: true,
  only: ["harness", "duckdb", "duckdb-faithful", "handwritten", "naive-alasql"],
  write: false,
};

describe("npm run bench (harness/bench/runBench.ts) on a small clickstream", function () {
  it("runs every peer as a process, finds the same rows everywhere and reports the targets", async () => {
    const progress: string[] = [];
    const { reports, targets, markdown } = await runBench(small, (text) => progress.push(text));
    const byName = new Map(reports.map((report) => [report.name, report]));

    const sessionize = byName.get("sessionize");
    expect(sessionize?.failures).to.deep.equal([]);
    expect(sessionize?.results.map((result) => result.peer)).to.deep.equal([
      "harness",
      "duckdb",
      "duckdb-faithful",
      "handwritten",
      "naive-alasql",
    ]);
    const rows = sessionize?.results.find((result) => result.peer === "harness")?.outputRows;
    expect(rows).to.be.greaterThan(50);
    for (const peer of ["harness", "duckdb", "duckdb-faithful"]) {
      expect(sessionize?.checks).to.include(
        `${peer} on 3,000 events: the same rows as handwritten (${peer} ${rows?.toLocaleString("en-US")}, handwritten ${rows?.toLocaleString("en-US")})`,
      );
    }
    expect(
      sessionize?.checks.filter((check) =>
        check.startsWith("naive-alasql on 300 events: the same rows as handwritten"),
      ),
    ).to.have.length(1);

    const perMinute = byName.get("clicks-per-minute");
    expect(perMinute?.failures).to.deep.equal([]);
    expect(perMinute?.results.map((result) => [result.peer, result.outputRows])).to.deep.equal([
      ["harness", 3000],
      ["duckdb", 3000],
      ["handwritten", 3000],
    ]);

    const memory = byName.get("memory");
    expect(memory?.results.map((result) => [result.peer, result.items])).to.deep.equal([
      ["harness-many-users", 1000],
      ["harness-one-user", 3000],
    ]);
    expect(targets.map((target) => target.target)).to.have.length(4);
    expect(markdown).to.contain("## Issue 12's targets");
    expect(progress.join("")).to.contain("bench: sessionize: running harness (1/1)");
  });
});
