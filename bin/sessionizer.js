#!/usr/bin/env node
// `sessionizer <command> [options]`: the package's commands, compiled (dist/, built by
// scripts/build.mjs on `npm ci`), one bin with subcommands as git and the AWS CLI have. Each
// command is loaded in this process, so it starts as fast as `node dist/<command>.js`.
"use strict";
const path = require("path");

/** The compiled commands and what each does, as `sessionizer --help` lists them. */
const commands = {
  start: "the whole pipeline on this machine (kinesalite, the engine, dynalite)",
  replay: "run a KDA SQL application offline over recorded records",
  report: "an HTML report of a replay or a file of clicks",
  simulate: "generate a clickstream to a file, stdout or a Kinesis stream",
  translate: "print the Flink SQL translation of a KDA SQL application",
  redrive: "apply the failed-batches queue's ranges again",
  bench: "the harness against its peers (docs/benchmarks.md)",
};

/**
 * In a checkout (scripts/ is there), builds dist/ first when it is missing or a source is newer,
 * so `npm start` and the other npm scripts never run stale code after an edit or a pull.
 */
function rebuildIfStale() {
  const state = path.join(__dirname, "..", "scripts", "buildState.cjs");
  let stale;
  try {
    stale = require(state).distIsStale();
  } catch {
    return; // an installed package without its build scripts: dist/ is what was installed
  }
  if (!stale) return;
  process.stderr.write("sessionizer: building dist/ (sources changed) ...\n");
  const build = require("child_process").spawnSync(
    process.execPath,
    [path.join(__dirname, "..", "scripts", "build.mjs")],
    { stdio: "inherit" },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  const width = Math.max(...Object.keys(commands).map((command) => command.length));
  const lines = Object.entries(commands).map(
    ([command, about]) => `  ${command.padEnd(width)}  ${about}`,
  );
  process.stdout.write(
    `Usage: sessionizer <command> [options]\n\nCommands:\n${lines.join("\n")}\n\n` +
      "sessionizer <command> --help describes a command's options.\n",
  );
  process.exitCode = name === undefined ? 2 : 0;
} else if (!Object.hasOwn(commands, name)) {
  process.stderr.write(
    `sessionizer: unknown command "${name}"; expected one of ${Object.keys(commands).join(", ")}\n`,
  );
  process.exitCode = 2;
} else {
  rebuildIfStale();
  // The command reads its options from process.argv, as when it runs as `node dist/<name>.js`.
  process.argv = [process.argv[0], path.join(__dirname, "..", "dist", `${name}.js`), ...rest];
  require(process.argv[1]);
}
