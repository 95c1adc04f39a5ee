/**
 * The benchmark (`npm run bench`, `harness/cli/bench.ts`): the harness against its peers on one
 * generated clickstream, in one run. Every peer of a scenario is a whole process, compiled (dist/,
 * scripts/build.mjs), as a user runs it: it reads the file itself and writes its rows to stdout,
 * which the runner points at a file. The runner times the process from start to exit, takes its
 * peak RSS from GNU time, reads the rows back and checks them against the reference peer's; any
 * difference fails the run. It writes `harness/bench/results/latest.{json,md}`.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkToolchain, ToolchainMissingError } from "../flink";
import { generateClicks, writeClicksFile } from "./clickstream";
import {
  rowsDigest,
  type DestinationRow,
  type PeerResult,
  type ScenarioName,
} from "./peerProtocol";
import { formatCount, markdownReport, type GroupReport, type TargetCheck } from "./report";

/** What one run does, as `npm run bench` takes it. */
export interface BenchOptions {
  readonly events: number;
  readonly users: number;
  readonly seed: number;
  /** Runs per peer in repeatable groups; the fastest counts. */
  readonly repeat: number;
  readonly naivePrefix: number;
  readonly flinkPrefix: number;
  readonly lambdaPrefix: number;
  readonly deliveryRecords: number;
  /** Distinct users of the memory scenario's many-users run (twice as many events). */
  readonly memoryUsers: number;
  /** Events of the memory scenario's one-user run. */
  readonly memoryEvents: number;
  /** Run the memory scenario (the longest part). */
  readonly memory: boolean;
  /** Run only these peers (all when empty). */
  readonly only: readonly string[];
  /** A JSON-lines file of well-formed clicks to use instead of generating one. */
  readonly input?: string;
  /** Write `harness/bench/results/`. */
  readonly write: boolean;
}

/** The package root: bundles are in dist/, SQL files beside their sources. */
const packageRoot = path.join(__dirname, "..", "..");
const bundle = (name: string): string => path.join(packageRoot, "dist", `${name}.js`);
const scenarioSql: Record<ScenarioName, string> = {
  sessionize: path.join(packageRoot, "sql", "sessionize.sql"),
  "clicks-per-minute": path.join(__dirname, "sql", "clicksPerMinute.sql"),
};

/** A peer that runs as a whole process over the file and writes its rows to stdout. */
interface ProcessPeer {
  readonly name: string;
  /** Node's arguments: a bundle in dist/ and its options. */
  readonly args: (scenario: ScenarioName, file: string, run: BenchOptions) => string[];
  readonly scenarios: readonly ScenarioName[];
  /** Events it reads, for a peer that runs on a prefix of the file. */
  readonly prefix?: (run: BenchOptions) => number;
  /** Runs once whatever `--repeat` says (a long run). */
  readonly once?: true;
  readonly note?: string;
  /** Why it cannot run on this machine, if it cannot. */
  readonly unavailable?: () => string | undefined;
}

const peerArgs =
  (name: string) =>
  (scenario: ScenarioName, file: string): string[] => [
    bundle(`bench-peer-${name}`),
    "--input",
    file,
    "--scenario",
    scenario,
  ];

/** The reference: every other peer's rows must equal its rows on the same events. */
const handwritten: ProcessPeer = {
  name: "handwritten",
  args: peerArgs("handwritten"),
  scenarios: ["sessionize", "clicks-per-minute"],
};

const processPeers: readonly ProcessPeer[] = [
  {
    name: "harness",
    // Exactly what a user runs: the compiled replay command on the file, rows to stdout.
    args: (scenario, file) => [bundle("replay"), "--input", file, "--sql", scenarioSql[scenario]],
    scenarios: ["sessionize", "clicks-per-minute"],
    note: "sessionizer replay (dist/replay.js)",
  },
  {
    name: "duckdb",
    args: peerArgs("duckdb"),
    scenarios: ["sessionize", "clicks-per-minute"],
    note: `the straightforward query; DuckDB uses all ${os.cpus().length} cores`,
  },
  {
    name: "duckdb-faithful",
    args: peerArgs("duckdbFaithful"),
    scenarios: ["sessionize"],
    note: "the lab's full semantics, error handling included",
  },
  handwritten,
  {
    name: "naive-alasql",
    args: (scenario, file, run) => [
      ...peerArgs("naiveAlasql")(scenario, file),
      "--limit",
      String(run.naivePrefix),
    ],
    scenarios: ["sessionize"],
    prefix: (run) => run.naivePrefix,
    note: "quadratic in the events",
  },
  {
    name: "flink",
    args: (scenario, file, run) => [
      ...peerArgs("flink")(scenario, file),
      "--limit",
      String(run.flinkPrefix),
    ],
    scenarios: ["sessionize", "clicks-per-minute"],
    prefix: (run) => run.flinkPrefix,
    once: true,
    unavailable: flinkUnavailable,
  },
];

function flinkUnavailable(): string | undefined {
  try {
    checkToolchain();
    return undefined;
  } catch (error) {
    if (error instanceof ToolchainMissingError) return error.message;
    throw error;
  }
}

/** A peer that times itself in its own process and prints `PeerResult` lines (`peerProtocol.ts`). */
interface SelfTimedPeer {
  readonly name: string;
  readonly bundle: string;
  readonly args: (run: BenchOptions, file: string) => string[];
  /** The script measures several contenders and names each result itself. */
  readonly namesItsResults?: true;
}

interface SelfTimedGroup {
  readonly name: string;
  readonly description: string;
  readonly baseline: string;
  readonly peer: SelfTimedPeer;
}

const selfTimedGroups: readonly SelfTimedGroup[] = [
  {
    name: "lambda-engine",
    description:
      "the sessionizer Lambda (engine lambda) on a prefix of the clickstream, batches of 100, " +
      "window state read and written per batch in dynalite (an in-process emulator: AWS's " +
      "DynamoDB latency differs); timed inside its process",
    baseline: "lambda-engine",
    peer: {
      name: "lambda-engine",
      bundle: "bench-peer-lambdaEngine",
      args: (run, file) => ["--input", file, "--limit", String(run.lambdaPrefix)],
    },
  },
  {
    name: "delivery",
    description:
      "the delivery Lambda's batched writes against the lab's one PutItem per record, on the " +
      "same session rows in one process, both against dynalite (an in-process emulator)",
    baseline: "delivery-handler",
    peer: {
      name: "delivery",
      bundle: "bench-peer-delivery",
      args: (run) => ["--records", String(run.deliveryRecords)],
      namesItsResults: true,
    },
  },
];

/** Every peer's name, as `--only` takes it. */
export const peerNames: readonly string[] = [
  ...processPeers.map((peer) => peer.name),
  ...selfTimedGroups.map((group) => group.peer.name),
];

/** Where the run says what it is doing (stderr; a test passes its own). */
let progress: (text: string) => void = (text) => process.stderr.write(text);

const gnuTime = "/usr/bin/time";
const hasGnuTime = spawnSync(gnuTime, ["-f", "%M", "true"]).status === 0;

/** What a whole-process run measured. */
interface ProcessRun {
  readonly seconds: number;
  readonly maxRssMB?: number;
  /** `bench-note:` lines the process printed on stderr. */
  readonly notes: string[];
}

/**
 * Runs `node args` as a whole process with stdout to `outputFile` (and stdin from `input`, if
 * given), timing it from spawn to exit. A peer may print `bench-seconds: S` on stderr to say which
 * part of its time counts (the Flink peer's Java process), and `bench-note: ...` lines.
 */
function runProcess(
  args: readonly string[],
  outputFile: string,
  input?: Iterable<string>,
): Promise<ProcessRun> {
  const rssFile = `${outputFile}.rss`;
  const command = hasGnuTime ? gnuTime : process.execPath;
  const commandArgs = hasGnuTime
    ? ["-f", "%M", "-o", rssFile, process.execPath, ...args]
    : [...args];
  const output = fs.openSync(outputFile, "w");
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, {
      stdio: [input === undefined ? "ignore" : "pipe", output, "pipe"],
    });
    fs.closeSync(output);
    let stderr = "";
    (child.stderr as NodeJS.ReadableStream)
      .setEncoding("utf8")
      .on("data", (text: string) => (stderr += text));
    child.on("error", reject);
    if (input !== undefined && child.stdin !== null) void feed(child.stdin, input);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const lines = stderr.split("\n");
      if (code !== 0) {
        const tail = lines.filter((line) => line.trim() !== "").slice(-12);
        reject(new Error(`exit ${code}: ${tail.join(" | ")}`));
        return;
      }
      const peerSeconds = lines.find((line) => line.startsWith("bench-seconds: "));
      const maxRssKB = hasGnuTime ? Number(fs.readFileSync(rssFile, "utf8").trim()) : NaN;
      resolve({
        seconds: peerSeconds === undefined ? seconds : Number(peerSeconds.slice(15)),
        maxRssMB: Number.isFinite(maxRssKB) ? Math.round(maxRssKB / 1024) : undefined,
        notes: lines
          .filter((line) => line.startsWith("bench-note: "))
          .map((line) => line.slice(12)),
      });
    });
  });
}

/** Writes generated lines to a child's stdin as fast as it reads them. */
async function feed(stdin: NodeJS.WritableStream, lines: Iterable<string>): Promise<void> {
  let chunk: string[] = [];
  for (const line of lines) {
    chunk.push(line);
    if (chunk.length >= 10_000) {
      if (!stdin.write(chunk.join("\n") + "\n")) {
        await new Promise((resolve) => stdin.once("drain", resolve));
      }
      chunk = [];
    }
  }
  stdin.end(chunk.length > 0 ? chunk.join("\n") + "\n" : "");
}

/** A peer's output file as rows of values (objects by their values in key order). */
function readRows(file: string): DestinationRow[] {
  const rows: DestinationRow[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    const value = JSON.parse(line) as unknown;
    rows.push((Array.isArray(value) ? value : Object.values(value as object)) as DestinationRow);
  }
  return rows;
}

/** How many lines (events) the file has. */
function countLines(file: string): number {
  const text = fs.readFileSync(file);
  let lines = 0;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Runs one scenario's peers over the file. */
async function runScenario(
  scenario: ScenarioName,
  description: string,
  run: BenchOptions,
  file: string,
  fileEvents: number,
  temporary: string,
): Promise<GroupReport> {
  const results: (PeerResult & { perSecond: number })[] = [];
  const failures: { peer: string; error: string }[] = [];
  const checks: string[] = [];
  /** The reference's digest and row count per number of events it read. */
  const references = new Map<number, { digest: string; rows: number }>();
  const reference = async (events: number) => {
    let known = references.get(events);
    if (known === undefined) {
      progress(`bench: ${scenario}: running handwritten on ${events} events ...\n`);
      const output = path.join(temporary, `reference-${events}.jsonl`);
      const limit = events < fileEvents ? ["--limit", String(events)] : [];
      await runProcess([...handwritten.args(scenario, file, run), ...limit], output);
      const rows = readRows(output);
      known = { digest: rowsDigest(rows), rows: rows.length };
      references.set(events, known);
    }
    return known;
  };
  const peers = processPeers.filter(
    (peer) =>
      peer.scenarios.includes(scenario) && (run.only.length === 0 || run.only.includes(peer.name)),
  );
  for (const peer of peers) {
    const why = peer.unavailable?.();
    if (why !== undefined) {
      failures.push({ peer: peer.name, error: `skipped: ${why}` });
      continue;
    }
    const events = Math.min(peer.prefix?.(run) ?? fileEvents, fileEvents);
    const output = path.join(temporary, `${scenario}-${peer.name}.jsonl`);
    const runs = peer.once ? 1 : run.repeat;
    try {
      const attempts: ProcessRun[] = [];
      for (let attempt = 1; attempt <= runs; attempt++) {
        progress(`bench: ${scenario}: running ${peer.name} (${attempt}/${runs}) ...\n`);
        attempts.push(await runProcess(peer.args(scenario, file, run), output));
      }
      const best = attempts.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      const rows = readRows(output);
      const digest = rowsDigest(rows);
      const expected = await reference(events);
      const listing = `${peer.name} ${formatCount(rows.length)}, handwritten ${formatCount(expected.rows)}`;
      if (digest !== expected.digest) {
        throw new Error(
          `unequal rows on ${formatCount(events)} events (${listing} rows, not the same rows)`,
        );
      }
      if (peer !== handwritten) {
        checks.push(
          `${peer.name} on ${formatCount(events)} events: the same rows as handwritten (${listing})`,
        );
      }
      const times = attempts.map((attempt) => attempt.seconds.toFixed(2)).join(", ");
      const note = [
        peer.note,
        events < fileEvents ? `prefix of ${formatCount(events)} events` : undefined,
        ...best.notes,
        runs > 1 ? `best of ${times} s` : undefined,
      ];
      results.push({
        peer: peer.name,
        items: events,
        unit: "events",
        seconds: best.seconds,
        maxRssMB: best.maxRssMB ?? NaN,
        outputRows: rows.length,
        outputDigest: digest,
        perSecond: events / best.seconds,
        note: note.filter((part) => part !== undefined).join("; "),
      });
    } catch (error) {
      failures.push({ peer: peer.name, error: (error as Error).message });
    }
  }
  return {
    name: scenario,
    description,
    baseline: "harness",
    results,
    failures,
    ratios: ratiosTo("harness", results),
    checks,
  };
}

function ratiosTo(
  baselineName: string,
  results: readonly (PeerResult & { perSecond: number })[],
): Record<string, number> {
  const baseline = results.find((result) => result.peer === baselineName);
  const ratios: Record<string, number> = {};
  for (const result of results) {
    if (baseline !== undefined && result !== baseline) {
      ratios[`${baselineName}/${result.peer}`] = baseline.perSecond / result.perSecond;
    }
  }
  return ratios;
}

/** Runs a self-timed peer and collects the result lines it prints on stdout. */
async function runSelfTimed(
  group: SelfTimedGroup,
  run: BenchOptions,
  file: string,
  fileEvents: number,
  temporary: string,
): Promise<GroupReport> {
  const { peer } = group;
  const output = path.join(temporary, `${peer.name}.out`);
  const failures: { peer: string; error: string }[] = [];
  const results: (PeerResult & { perSecond: number })[] = [];
  const checks: string[] = [];
  try {
    progress(`bench: running ${peer.name} ...\n`);
    await runProcess([bundle(peer.bundle), ...peer.args(run, file)], output);
    for (const line of fs.readFileSync(output, "utf8").split("\n")) {
      if (!line.startsWith("{")) continue;
      const result = JSON.parse(line) as PeerResult;
      const named = peer.namesItsResults ? result : { ...result, peer: peer.name };
      results.push({ ...named, perSecond: named.items / named.seconds });
      if (named.outputDigest !== undefined) {
        const events = Math.min(named.items, fileEvents);
        const reference = path.join(temporary, `${peer.name}-reference.jsonl`);
        await runProcess(
          [...handwritten.args("sessionize", file, run), "--limit", String(events)],
          reference,
        );
        const rows = readRows(reference);
        if (rowsDigest(rows) !== named.outputDigest) {
          throw new Error(`unequal rows on ${formatCount(events)} events`);
        }
        checks.push(
          `${named.peer} on ${formatCount(events)} events: the same rows as handwritten ` +
            `(${formatCount(named.outputRows ?? NaN)} rows)`,
        );
      }
    }
  } catch (error) {
    failures.push({ peer: peer.name, error: (error as Error).message });
  }
  return {
    name: group.name,
    description: group.description,
    baseline: group.baseline,
    results,
    failures,
    ratios: ratiosTo(group.baseline, results),
    checks,
  };
}

/**
 * The memory scenario: the compiled replay command as a whole process, reading events generated
 * on the fly from its stdin (never stored), as `producer | sessionizer replay` would.
 */
async function runMemory(run: BenchOptions, temporary: string): Promise<GroupReport> {
  const cases = [
    { peer: "harness-many-users", events: run.memoryUsers * 2, users: run.memoryUsers },
    { peer: "harness-one-user", events: run.memoryEvents, users: 1 },
  ];
  const results: (PeerResult & { perSecond: number })[] = [];
  const failures: { peer: string; error: string }[] = [];
  for (const scenario of cases) {
    progress(
      `bench: memory: ${formatCount(scenario.events)} events of ${formatCount(scenario.users)} users ...\n`,
    );
    const output = path.join(temporary, `${scenario.peer}.jsonl`);
    try {
      const measured = await runProcess(
        [bundle("replay")],
        output,
        generateClicks({ events: scenario.events, users: scenario.users, seed: run.seed }),
      );
      results.push({
        peer: scenario.peer,
        items: scenario.events,
        unit: "events",
        seconds: measured.seconds,
        maxRssMB: measured.maxRssMB ?? NaN,
        outputRows: countLines(output),
        perSecond: scenario.events / measured.seconds,
        note:
          `users: ${formatCount(scenario.users)}; sessionizer replay reading stdin, ` +
          `fed by this process's generator (the time includes generating)`,
      });
    } catch (error) {
      failures.push({ peer: scenario.peer, error: (error as Error).message });
    }
  }
  return {
    name: "memory",
    description:
      "peak RSS of the compiled replay command over events generated on the fly into its stdin",
    baseline: "harness-many-users",
    results,
    failures,
    ratios: {},
    checks: [],
  };
}

/** Issue 12's targets, each met or not by this run's numbers (absent when a peer did not run). */
function targetChecks(reports: readonly GroupReport[]): TargetCheck[] {
  const find = (group: string, peer: string) =>
    reports.find((report) => report.name === group)?.results.find((result) => result.peer === peer);
  const checks: TargetCheck[] = [];
  const harness = find("sessionize", "harness");
  for (const [peer, minimum] of [
    ["duckdb", 0.5],
    ["handwritten", 0.7],
  ] as const) {
    const other = find("sessionize", peer);
    if (harness === undefined || other === undefined) continue;
    const ratio = harness.perSecond / other.perSecond;
    checks.push({
      target: `harness at least ${minimum}x ${peer} (sessionize, whole processes)`,
      measured: `${ratio.toFixed(2)}x`,
      met: ratio >= minimum,
    });
  }
  for (const [peer, limitMB, what] of [
    ["harness-many-users", 300, "many distinct users"],
    ["harness-one-user", 150, "one user's many events"],
  ] as const) {
    const result = find("memory", peer);
    if (result === undefined) continue;
    checks.push({
      target: `peak RSS under ${limitMB} MB for ${what} (${formatCount(result.items)} events)`,
      measured: `${result.maxRssMB} MB`,
      met: result.maxRssMB < limitMB,
    });
  }
  return checks;
}

/** What a run found: the groups' reports, issue 12's targets, and the Markdown report of both. */
export interface BenchOutcome {
  readonly reports: readonly GroupReport[];
  readonly targets: readonly TargetCheck[];
  readonly markdown: string;
}

/**
 * Runs the benchmark; resolves with what it found (written to `results/` unless told not to).
 * `log` gets its progress lines.
 */
export async function runBench(
  run: BenchOptions,
  log: (text: string) => void = (text) => process.stderr.write(text),
): Promise<BenchOutcome> {
  progress = log;
  // The peers run compiled: build dist/ if a source changed since (a no-op otherwise).
  const build = spawnSync(
    process.execPath,
    [path.join(packageRoot, "scripts", "build.mjs"), "--if-stale"],
    { stdio: "inherit" },
  );
  if (build.status !== 0) throw new Error("scripts/build.mjs failed");
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "sessionizer-bench-"));
  try {
    let file = run.input;
    if (file === undefined) {
      file = path.join(temporary, "clicks.jsonl");
      progress(`bench: generating ${formatCount(run.events)} events to ${file} ...\n`);
      await writeClicksFile(file, { events: run.events, users: run.users, seed: run.seed });
    }
    const fileEvents = countLines(file);
    const reports: GroupReport[] = [
      await runScenario(
        "sessionize",
        "sql/sessionize.sql (the lab's SQL) over the clickstream, from JSON lines to rows",
        run,
        file,
        fileEvents,
        temporary,
      ),
      await runScenario(
        "clicks-per-minute",
        "harness/bench/sql/clicksPerMinute.sql: per user, COUNT and SUM over RANGE INTERVAL '1' " +
          "MINUTE PRECEDING, one row per click",
        run,
        file,
        fileEvents,
        temporary,
      ),
    ];
    for (const group of selfTimedGroups) {
      if (run.only.length > 0 && !run.only.includes(group.peer.name)) continue;
      reports.push(await runSelfTimed(group, run, file, fileEvents, temporary));
    }
    if (run.memory && (run.only.length === 0 || run.only.includes("harness"))) {
      reports.push(await runMemory(run, temporary));
    }
    const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}`;
    const targets = targetChecks(reports);
    const markdown = markdownReport(
      reports.filter((report) => report.results.length + report.failures.length > 0),
      targets,
      { ...run, events: fileEvents },
      machine,
    );
    if (run.write) {
      const directory = path.join(__dirname, "results");
      fs.mkdirSync(directory, { recursive: true });
      const json = { date: new Date().toISOString(), machine, options: run, groups: reports };
      fs.writeFileSync(path.join(directory, "latest.json"), JSON.stringify(json, null, 2) + "\n");
      fs.writeFileSync(path.join(directory, "latest.md"), markdown);
    }
    return { reports, targets, markdown };
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}
