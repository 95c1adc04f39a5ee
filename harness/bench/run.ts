/**
 * `npm run bench`: the harness against its peers on one generated clickstream, in one run. Each peer
 * runs in its own child process (see `peerProtocol.ts`), so times and peak memory are its own; the
 * runner prints a table and the ratios within each group and writes `harness/bench/results/latest.{json,md}`.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { readLines, writeClicksFile } from "./clickstream";
import { HandwrittenSessionizer } from "../../test/oracles/handwrittenSessionizer";
import type { PeerResult } from "./peerProtocol";

const usage = (peers: readonly string[]): string => `Usage: npm run bench -- [options]

Generates one seeded clickstream (JSON lines, epoch-ms string timestamps) and runs every peer on it,
each in its own process; prints events/s, peak RSS and the harness's ratios to each peer, and writes
harness/bench/results/latest.json and latest.md (latest-memory.* for --memory).

Options:
  --events N          events in the clickstream (default 1000000)
  --users N           distinct users (default 10000)
  --seed N            generator seed (default 1)
  --repeat N          runs per peer in the sessionize group; the fastest counts, so other load
                      on the machine distorts less (default 3)
  --naive-prefix N    events the quadratic naive-alasql peer runs on (default 5000)
  --lambda-prefix N   events the lambda-engine peer (the sessionizer Lambda, its window state
                      read and written in dynalite per batch of 100) runs on   (default 2000)
  --delivery-records N  session rows the delivery peer writes, with the handler and with the
                      lab's one-PutItem loop                         (default 3000)
  --memory            run the memory scenario instead: events generated on the fly (never
                      stored) through the harness, reporting its peak RSS
  --memory-events N   events of the memory scenario (default 10000000)
  --only PEER         run only this peer (repeatable):
                      ${peers.join(", ")}
  --input FILE        use this JSON-lines file instead of generating one
  --no-write          do not write harness/bench/results/
  --help              print this text`;

/** A peer: a script under harness/bench/peers and the arguments it gets from the run's options. */
interface PeerSpec {
  readonly name: string;
  readonly script: string;
  readonly args: (run: RunOptions) => string[];
  /** The script measures several contenders in one process and names each result itself. */
  readonly namesItsResults?: true;
}

/** Peers compared with each other; ratios are `baseline` speed over each other peer's speed. */
interface PeerGroup {
  readonly name: string;
  readonly description: string;
  readonly baseline: string;
  readonly peers: readonly PeerSpec[];
  /** Peers whose outputRows must be equal for the comparison to be fair. */
  readonly equalWork: readonly string[];
  /** Whether `--repeat` applies (long scenarios run once). */
  readonly repeatable: boolean;
}

interface RunOptions {
  readonly events: number;
  readonly users: number;
  readonly seed: number;
  readonly repeat: number;
  readonly naivePrefix: number;
  readonly lambdaPrefix: number;
  readonly deliveryRecords: number;
  readonly memoryEvents: number;
  readonly memoryOnly: boolean;
  readonly only: readonly string[];
  readonly input?: string;
  readonly write: boolean;
}

const fileArgs = (run: RunOptions, file: string): string[] => [
  "--input",
  file,
  "--users",
  String(run.users),
  "--seed",
  String(run.seed),
];

/** The groups and their peers. Add a peer here and a script under harness/bench/peers. */
function peerGroups(file: string): PeerGroup[] {
  return [
    {
      name: "sessionize",
      description: "sql/sessionize.sql over the generated clickstream, from JSON lines to rows",
      baseline: "harness",
      equalWork: ["harness", "duckdb", "handwritten"],
      repeatable: true,
      peers: [
        { name: "harness", script: "harness.ts", args: (run) => fileArgs(run, file) },
        { name: "duckdb", script: "duckdb.ts", args: (run) => fileArgs(run, file) },
        { name: "handwritten", script: "handwritten.ts", args: (run) => fileArgs(run, file) },
        {
          name: "naive-alasql",
          script: "naiveAlasql.ts",
          args: (run) => [...fileArgs(run, file), "--limit", String(run.naivePrefix)],
        },
      ],
    },
    {
      name: "lambda-engine",
      description:
        "the sessionizer Lambda (engine lambda) on a prefix of the clickstream, batches of 100, " +
        "window state read and written per batch in dynalite (an in-process emulator: AWS's " +
        "DynamoDB latency differs)",
      baseline: "lambda-engine",
      equalWork: [],
      repeatable: false,
      peers: [
        {
          name: "lambda-engine",
          script: "lambdaEngine.ts",
          args: (run) => [...fileArgs(run, file), "--limit", String(run.lambdaPrefix)],
        },
      ],
    },
    {
      name: "delivery",
      description:
        "the delivery Lambda's batched writes against the lab's one PutItem per record, on the " +
        "same session rows in one process, both against dynalite (an in-process emulator)",
      baseline: "delivery-handler",
      equalWork: [],
      repeatable: false,
      peers: [
        {
          name: "delivery",
          script: "delivery.ts",
          args: (run) => ["--records", String(run.deliveryRecords)],
          namesItsResults: true,
        },
      ],
    },
    {
      name: "memory",
      description: "events generated on the fly (never stored) through the harness",
      baseline: "harness-generated",
      equalWork: [],
      repeatable: false,
      peers: [
        {
          name: "harness-generated",
          script: "harness.ts",
          args: (run) => [
            "--generate",
            String(run.memoryEvents),
            "--users",
            String(run.users),
            "--seed",
            String(run.seed),
          ],
        },
      ],
    },
  ];
}

function parseRunOptions(argv: readonly string[]): RunOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      events: { type: "string", default: "1000000" },
      users: { type: "string", default: "10000" },
      seed: { type: "string", default: "1" },
      repeat: { type: "string", default: "3" },
      "naive-prefix": { type: "string", default: "5000" },
      "lambda-prefix": { type: "string", default: "2000" },
      "delivery-records": { type: "string", default: "3000" },
      "memory-events": { type: "string", default: "10000000" },
      memory: { type: "boolean", default: false },
      only: { type: "string", multiple: true, default: [] },
      input: { type: "string" },
      "no-write": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  const count = (name: string, text: string, minimum: number): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new Error(`--${name} "${text}" is not allowed; expected a whole number >= ${minimum}`);
    }
    return value;
  };
  const known = peerGroups("").flatMap((group) => group.peers.map((peer) => peer.name));
  for (const name of values.only) {
    if (!known.includes(name)) {
      throw new Error(`--only "${name}" is not a peer; expected one of ${known.join(", ")}`);
    }
  }
  return {
    events: count("events", values.events, 1),
    users: count("users", values.users, 1),
    seed: count("seed", values.seed, 0),
    repeat: count("repeat", values.repeat, 1),
    naivePrefix: count("naive-prefix", values["naive-prefix"], 1),
    lambdaPrefix: count("lambda-prefix", values["lambda-prefix"], 1),
    deliveryRecords: count("delivery-records", values["delivery-records"], 1),
    memoryEvents: count("memory-events", values["memory-events"], 1),
    memoryOnly: values.memory,
    only: values.only,
    input: values.input,
    write: !values["no-write"],
  };
}

/** Runs one peer script in a child process and collects the result lines it prints. */
function runPeer(spec: PeerSpec, run: RunOptions): Promise<PeerResult[]> {
  const script = path.join(__dirname, "peers", spec.script);
  const args = ["--import", "tsx", script, ...spec.args(run)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`peer ${spec.name} (${spec.script}) exited with code ${code}`));
        return;
      }
      const results = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as PeerResult)
        .map((result) => (spec.namesItsResults ? result : { ...result, peer: spec.name }));
      resolve(results);
    });
  });
}

interface GroupReport {
  readonly name: string;
  readonly description: string;
  readonly baseline: string;
  readonly results: readonly (PeerResult & { readonly perSecond: number })[];
  readonly failures: readonly { readonly peer: string; readonly error: string }[];
  /** `<baseline>/<peer>`: how many times faster the baseline is (events/s over events/s). */
  readonly ratios: Readonly<Record<string, number>>;
  readonly checks: readonly string[];
}

const formatCount = (n: number): string => Math.round(n).toLocaleString("en-US");

async function runGroup(
  group: PeerGroup,
  run: RunOptions,
  file: string | undefined,
): Promise<GroupReport | undefined> {
  const peers = group.peers.filter((peer) => run.only.length === 0 || run.only.includes(peer.name));
  if (peers.length === 0) return undefined;
  const results: (PeerResult & { perSecond: number })[] = [];
  const failures: { peer: string; error: string }[] = [];
  for (const peer of peers) {
    const runs = group.repeatable ? run.repeat : 1;
    try {
      const attempts: PeerResult[][] = [];
      for (let attempt = 1; attempt <= runs; attempt++) {
        process.stderr.write(`bench: running ${peer.name} (${attempt}/${runs}) ...\n`);
        attempts.push(await runPeer(peer, run));
      }
      // Per result line, the fastest attempt; the others are listed in the note.
      attempts[0].forEach((_, index) => {
        const tries = attempts.map((results) => results[index]);
        const best = tries.reduce((a, b) => (b.seconds < a.seconds ? b : a));
        const seconds = tries.map((result) => result.seconds.toFixed(2)).join(", ");
        const note = [best.note, runs > 1 ? `best of ${seconds} s` : undefined];
        results.push({
          ...best,
          perSecond: best.items / best.seconds,
          note: note.filter((part) => part !== undefined).join("; "),
        });
      });
    } catch (error) {
      failures.push({ peer: peer.name, error: (error as Error).message });
    }
  }
  const baseline = results.find((result) => result.peer === group.baseline);
  const ratios: Record<string, number> = {};
  for (const result of results) {
    if (baseline !== undefined && result !== baseline) {
      ratios[`${group.baseline}/${result.peer}`] = baseline.perSecond / result.perSecond;
    }
  }
  return {
    name: group.name,
    description: group.description,
    baseline: group.baseline,
    results,
    failures,
    ratios,
    checks: equalWorkChecks(group, results, run, file),
  };
}

/**
 * Equal work: the full-input peers must emit the same number of rows, and the naive and lambda-engine
 * peers' prefixes as many rows as the handwritten sessionizer gives on them. A mismatch fails the run.
 */
function equalWorkChecks(
  group: PeerGroup,
  results: readonly PeerResult[],
  run: RunOptions,
  file: string | undefined,
): string[] {
  const checks: string[] = [];
  const full = results.filter((result) => group.equalWork.includes(result.peer));
  if (full.length > 1) {
    const counts = new Set(full.map((result) => result.outputRows));
    const listing = full.map((result) => `${result.peer} ${formatCount(result.outputRows ?? NaN)}`);
    if (counts.size !== 1) throw new Error(`peers did unequal work: ${listing.join(", ")} rows`);
    checks.push(`equal DESTINATION rows: ${listing.join(", ")}`);
  }
  const naive = results.find((result) => result.peer === "naive-alasql");
  if (naive !== undefined && file !== undefined) {
    const sessionizer = new HandwrittenSessionizer();
    const expected = readLines(file, run.naivePrefix).filter((line) =>
      sessionizer.push(line),
    ).length;
    if (naive.outputRows !== expected) {
      throw new Error(
        `naive-alasql emitted ${naive.outputRows} rows on its prefix; expected ${expected}`,
      );
    }
    checks.push(
      `naive-alasql prefix of ${formatCount(naive.items)} events: ${expected} rows, as expected`,
    );
  }
  const lambda = results.find((result) => result.peer === "lambda-engine");
  if (lambda !== undefined && file !== undefined) {
    // The sessionizer delivers every DESTINATION row of its prefix, as the harness emits them.
    const sessionizer = new HandwrittenSessionizer();
    const expected = readLines(file, run.lambdaPrefix).filter((line) =>
      sessionizer.push(line),
    ).length;
    if (lambda.outputRows !== expected) {
      throw new Error(
        `lambda-engine delivered ${lambda.outputRows} rows on its prefix; expected ${expected}`,
      );
    }
    checks.push(
      `lambda-engine prefix of ${formatCount(lambda.items)} events: ${expected} rows, as expected`,
    );
  }
  return checks;
}

function markdownReport(reports: readonly GroupReport[], run: RunOptions, machine: string): string {
  const lines = [
    `# Benchmark results`,
    ``,
    `\`npm run bench\` on ${machine}, ${new Date().toISOString().slice(0, 10)}: ` +
      `${formatCount(run.memoryOnly ? run.memoryEvents : run.events)} events, ` +
      `${formatCount(run.users)} users, seed ${run.seed}; ` +
      `load average ${os.loadavg()[0].toFixed(2)} at the end (other work on the machine skews times).`,
  ];
  for (const report of reports) {
    lines.push(
      ``,
      `## ${report.name}: ${report.description}`,
      ``,
      `| peer | items | seconds | items/s | peak RSS MB | output rows | note |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | --- |`,
    );
    for (const result of report.results) {
      lines.push(
        `| ${result.peer} | ${formatCount(result.items)} ${result.unit} | ${result.seconds.toFixed(2)} | ` +
          `${formatCount(result.perSecond)} | ${result.maxRssMB} | ` +
          `${result.outputRows === undefined ? "" : formatCount(result.outputRows)} | ${result.note ?? ""} |`,
      );
    }
    for (const failure of report.failures)
      lines.push(`| ${failure.peer} | failed: ${failure.error} | | | | | |`);
    if (Object.keys(report.ratios).length > 0) {
      lines.push(
        ``,
        `Speed ratios (items/s over items/s; above 1 means ${report.baseline} is faster):`,
        ``,
      );
      for (const [name, ratio] of Object.entries(report.ratios))
        lines.push(`- ${name}: ${ratio.toFixed(2)}`);
    }
    for (const check of report.checks) lines.push(``, `Check: ${check}.`);
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const parsed = parseRunOptions(process.argv.slice(2));
  if (parsed === "help") {
    console.log(usage(peerGroups("").flatMap((group) => group.peers.map((peer) => peer.name))));
    return;
  }
  const run = parsed;
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "sessionizer-bench-"));
  try {
    let file = run.input;
    const groups = peerGroups(file ?? path.join(temporary, "clicks.jsonl")).filter((group) =>
      run.memoryOnly ? group.name === "memory" : group.name !== "memory",
    );
    const needsFile = groups.some((group) => group.name !== "memory");
    if (file === undefined && needsFile) {
      file = path.join(temporary, "clicks.jsonl");
      process.stderr.write(`bench: generating ${formatCount(run.events)} events to ${file} ...\n`);
      await writeClicksFile(file, { events: run.events, users: run.users, seed: run.seed });
    }
    const reports: GroupReport[] = [];
    for (const group of groups) {
      const report = await runGroup(group, run, file);
      if (report !== undefined) reports.push(report);
    }
    const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}`;
    const markdown = markdownReport(reports, run, machine);
    console.log(markdown);
    if (run.write) {
      const directory = path.join(__dirname, "results");
      fs.mkdirSync(directory, { recursive: true });
      const json = { date: new Date().toISOString(), machine, options: run, groups: reports };
      // The memory scenario keeps its own files, so it never hides the default run's numbers.
      const base = run.memoryOnly ? "latest-memory" : "latest";
      fs.writeFileSync(path.join(directory, `${base}.json`), JSON.stringify(json, null, 2) + "\n");
      fs.writeFileSync(path.join(directory, `${base}.md`), markdown);
    }
    if (reports.some((report) => report.failures.length > 0)) process.exitCode = 1;
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
