/**
 * Peer "flink": the scenario's SQL translated to Flink SQL and run by flink-runner
 * (harness/flink, docs/flink.md) on the benchmark file, framed as `npm run replay` frames it. The
 * runner is a Java process with an embedded MiniCluster, whose start costs seconds, so the peer
 * times it twice: on the first event alone (the start-up: JVM, MiniCluster, job) and on the
 * whole input. It prints `bench-seconds:` (the whole Java process over the input, which the bench
 * counts as this peer's time) and a note with the start-up and the events/s without it. Rows to
 * stdout as JSON lines.
 */
import * as fs from "fs";
import * as path from "path";
import { ensureRunnerBuilt, replayOnFlink } from "../../flink";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { readLines } from "../clickstream";
import { parsePeerOptions, requireInput, RowWriter, secondsSince } from "../peerProtocol";

const options = parsePeerOptions();
const sqlText =
  options.scenario === "sessionize"
    ? readSessionizeSql()
    : fs.readFileSync(path.join(__dirname, "..", "sql", "clicksPerMinute.sql"), "utf8");
const lines = readLines(requireInput(options), options.limit);

// Maven builds flink-runner the first time; that is no part of any run.
ensureRunnerBuilt();
let started = process.hrtime.bigint();
replayOnFlink(sqlText, lines.slice(0, 1));
const startup = secondsSince(started);

started = process.hrtime.bigint();
const rows = replayOnFlink(sqlText, lines);
const seconds = secondsSince(started);

const output = new RowWriter();
for (const row of rows) output.write(row);
output.flush();
const withoutStartup = lines.length / Math.max(seconds - startup, 1e-3);
process.stderr.write(
  `bench-seconds: ${seconds}\n` +
    `bench-note: the Java process over the input (records framed by Node first, not counted); ` +
    `start-up ${startup.toFixed(1)} s (a one-event job); ` +
    `${Math.round(withoutStartup).toLocaleString("en-US")} events/s without it\n`,
);
