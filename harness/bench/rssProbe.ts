/**
 * Preloaded (`node --require dist/bench-rss-probe.js`) into every Node peer the bench starts, so a
 * whole process reports its own peak resident set size without changing what it runs: on exit it
 * writes the process's peak RSS in KiB to the file named by BENCH_RSS_FILE. Linux's getrusage
 * gives no child's peak to the parent while it runs, and this costs the peer nothing until exit.
 */
import * as fs from "fs";

const target = process.env.BENCH_RSS_FILE;
if (target !== undefined) {
  // The probe's variable must not reach the peer's own children (DuckDB's or Maven's processes).
  delete process.env.BENCH_RSS_FILE;
  process.on("exit", () => fs.writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
