/**
 * The benchmark (`npm run bench`, `harness/cli/bench.ts`): the harness against its peers on one
 * generated clickstream, in one run. Each peer runs in its own child process (see
 * `peerProtocol.ts`), so times and peak memory are its own. Every sessionizing peer must produce the
 * same DESTINATION rows as the reference peer on the same input, or the run fails; the runner
 * writes `harness/bench/results/latest.{json,md}`.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeClicksFile } from "./clickstream";
import type { PeerResult } from "./peerProtocol";
import { formatCount, markdownReport, type GroupReport } from "./report";

/** What one run does, as `npm run bench` takes it. */
export interface BenchOptions {
  readonly events: number;
  readonly users: number;
  readonly seed: number;
  /** Runs per peer in repeatable groups; the fastest counts. */
  readonly repeat: number;
  readonly naivePrefix: number;
  readonly lambdaPrefix: number;
  readonly deliveryRecords: number;
  readonly memoryEvents: number;
  /** Run the memory scenario instead of the others. */
  readonly memory: boolean;
  /** Run only these peers (all when empty). */
  readonly only: readonly string[];
  /** A JSON-lines file of well-formed clicks to use instead of generating one. */
  readonly input?: string;
  /** Write `harness/bench/results/`. */
  readonly write: boolean;
}

/** A peer: a script under harness/bench/peers and the arguments it gets from the run's options. */
interface PeerSpec {
  readonly name: string;
  readonly script: string;
  readonly args: (run: BenchOptions, file: string) => string[];
  /** The script measures several contenders in one process and names each result itself. */
  readonly namesItsResults?: true;
}

/** Peers compared with each other; ratios are `baseline` speed over each other peer's speed. */
interface PeerGroup {
  readonly name: string;
  readonly description: string;
  readonly baseline: string;
  readonly peers: readonly PeerSpec[];
  /** Whether `--repeat` applies (long scenarios run once). */
  readonly repeatable: boolean;
  /** Whether it runs in the memory scenario (and only then). */
  readonly memory?: true;
}

const fileArgs = (run: BenchOptions, file: string): string[] => [
  "--input",
  file,
  "--users",
  String(run.users),
  "--seed",
  String(run.seed),
];

/**
 * The peer whose DESTINATION rows every other sessionizing peer must match on the same input: the
 * single-pass loop, cheap enough to run again on any prefix.
 */
const referencePeer: PeerSpec = {
  name: "handwritten",
  script: "handwritten.ts",
  args: (run, file) => fileArgs(run, file),
};

/** The groups and their peers. Add a peer here and a script under harness/bench/peers. */
const peerGroups: readonly PeerGroup[] = [
  {
    name: "sessionize",
    description: "sql/sessionize.sql over the generated clickstream, from JSON lines to rows",
    baseline: "harness",
    repeatable: true,
    peers: [
      { name: "harness", script: "harness.ts", args: fileArgs },
      { name: "duckdb", script: "duckdb.ts", args: fileArgs },
      referencePeer,
      {
        name: "naive-alasql",
        script: "naiveAlasql.ts",
        args: (run, file) => [...fileArgs(run, file), "--limit", String(run.naivePrefix)],
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
    repeatable: false,
    peers: [
      {
        name: "lambda-engine",
        script: "lambdaEngine.ts",
        args: (run, file) => [...fileArgs(run, file), "--limit", String(run.lambdaPrefix)],
      },
    ],
  },
  {
    name: "delivery",
    description:
      "the delivery Lambda's batched writes against the lab's one PutItem per record, on the " +
      "same session rows in one process, both against dynalite (an in-process emulator)",
    baseline: "delivery-handler",
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
    repeatable: false,
    memory: true,
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

/** Every peer's name, as `--only` takes it. */
export const peerNames: readonly string[] = peerGroups.flatMap((group) =>
  group.peers.map((peer) => peer.name),
);

/** Runs one peer script in a child process and collects the result lines it prints. */
function runPeer(spec: PeerSpec, args: readonly string[]): Promise<PeerResult[]> {
  const script = path.join(__dirname, "peers", spec.script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
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

/** The reference peer's results by input size (a prefix of the file), run once each. */
class References {
  private readonly byItems = new Map<number, Promise<PeerResult>>();

  constructor(
    private readonly run: BenchOptions,
    private readonly file: string,
  ) {}

  /** Takes a result of the reference peer as the reference for its input. */
  add(result: PeerResult): void {
    if (!this.byItems.has(result.items)) this.byItems.set(result.items, Promise.resolve(result));
  }

  /** The reference's result on the first `items` events, running it when none is known. */
  get(items: number): Promise<PeerResult> {
    let result = this.byItems.get(items);
    if (result === undefined) {
      process.stderr.write(
        `bench: running ${referencePeer.name} on ${items} events to check ...\n`,
      );
      const args = [...referencePeer.args(this.run, this.file), "--limit", String(items)];
      result = runPeer(referencePeer, args).then(([first]) => first);
      this.byItems.set(items, result);
    }
    return result;
  }
}

async function runGroup(
  group: PeerGroup,
  run: BenchOptions,
  file: string,
  references: References | undefined,
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
        attempts.push(await runPeer(peer, peer.args(run, file)));
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
    checks: references === undefined ? [] : await sameRowsChecks(results, references),
  };
}

/**
 * Equal work: every result with rows must have the reference peer's DESTINATION rows on the same
 * input (the whole file, or the prefix it ran on). A mismatch fails the run.
 */
async function sameRowsChecks(
  results: readonly PeerResult[],
  references: References,
): Promise<string[]> {
  for (const result of results) if (result.peer === referencePeer.name) references.add(result);
  const checks: string[] = [];
  for (const result of results) {
    if (result.outputDigest === undefined || result.peer === referencePeer.name) continue;
    const reference = await references.get(result.items);
    const listing = `${result.peer} ${formatCount(result.outputRows ?? NaN)}, ${referencePeer.name} ${formatCount(reference.outputRows ?? NaN)}`;
    if (result.outputDigest !== reference.outputDigest) {
      throw new Error(
        `peers did unequal work on ${formatCount(result.items)} events: ${listing} DESTINATION rows, not the same rows`,
      );
    }
    checks.push(
      `${result.peer} on ${formatCount(result.items)} events: the same DESTINATION rows as ${referencePeer.name} (${listing})`,
    );
  }
  return checks;
}

/** Runs the benchmark; resolves with the reports (written to `results/` unless told not to). */
export async function runBench(run: BenchOptions): Promise<readonly GroupReport[]> {
  const temporary = fs.mkdtempSync(path.join(os.tmpdir(), "sessionizer-bench-"));
  try {
    const groups = peerGroups.filter((group) => (group.memory === true) === run.memory);
    let file = run.input;
    if (file === undefined && !run.memory) {
      file = path.join(temporary, "clicks.jsonl");
      process.stderr.write(`bench: generating ${formatCount(run.events)} events to ${file} ...\n`);
      await writeClicksFile(file, { events: run.events, users: run.users, seed: run.seed });
    }
    const references = file === undefined ? undefined : new References(run, file);
    const reports: GroupReport[] = [];
    for (const group of groups) {
      const report = await runGroup(group, run, file ?? "", references);
      if (report !== undefined) reports.push(report);
    }
    const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}`;
    const markdown = markdownReport(reports, run, machine);
    process.stdout.write(`${markdown}\n`);
    if (run.write) {
      const directory = path.join(__dirname, "results");
      fs.mkdirSync(directory, { recursive: true });
      const json = { date: new Date().toISOString(), machine, options: run, groups: reports };
      // The memory scenario keeps its own files, so it never hides the default run's numbers.
      const base = run.memory ? "latest-memory" : "latest";
      fs.writeFileSync(path.join(directory, `${base}.json`), JSON.stringify(json, null, 2) + "\n");
      fs.writeFileSync(path.join(directory, `${base}.md`), markdown);
    }
    return reports;
  } finally {
    fs.rmSync(temporary, { recursive: true, force: true });
  }
}
