/**
 * Builds flink-runner with Maven (once, then only when its sources change) and runs a translated
 * job on local records in an embedded MiniCluster. One JVM start costs seconds, so callers batch
 * many independent streams into one job as runs (`RunnerRecord.run`).
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseJson } from "../emulator";
import type { JobSpec } from "./translate";
import type { RunnerRecord } from "./records";

/** The Maven module of the runner. */
export const runnerDirectory = path.join(__dirname, "..", "..", "flink-runner");
const classpathFile = path.join(runnerDirectory, "target", "classpath.txt");
const classesDirectory = path.join(runnerDirectory, "target", "classes");

/** Java or Maven is missing: the one line `npm run test:flink` prints. */
export class ToolchainMissingError extends Error {
  override readonly name = "ToolchainMissingError";
}

function run(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return result.error === undefined && result.status === 0 ? result.stdout + result.stderr : null;
}

const installHint =
  "install Java 17 and Maven (Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless maven; .ci/run does it)";

/** Throws `ToolchainMissingError` naming what is missing: Java 17 or later, then Maven. */
export function checkToolchain(): void {
  const java = run("java", ["-version"]);
  if (java === null) {
    throw new ToolchainMissingError(
      `engine flink needs Java 17: \`java -version\` fails (not on PATH?); ${installHint}`,
    );
  }
  const major = Number(/version "(\d+)/.exec(java)?.[1] ?? 0);
  if (major < 17) {
    throw new ToolchainMissingError(
      `engine flink needs Java 17 or later; \`java\` is version ${major}; ${installHint}`,
    );
  }
  if (run("mvn", ["-v"]) === null) {
    throw new ToolchainMissingError(
      `engine flink needs Maven: \`mvn -v\` fails (not on PATH?); ${installHint}`,
    );
  }
}

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the runner unless its build is newer than its POM and sources; returns the class path. */
export function ensureRunnerBuilt(): string {
  checkToolchain();
  const sources = Math.max(
    fs.statSync(path.join(runnerDirectory, "pom.xml")).mtimeMs,
    newestSource(path.join(runnerDirectory, "src")),
  );
  const built = fs.existsSync(classpathFile) ? fs.statSync(classpathFile).mtimeMs : 0;
  if (built < sources) {
    const result = spawnSync("mvn", ["-q", "-B", "-DskipTests", "package"], {
      cwd: runnerDirectory,
      encoding: "utf8",
    });
    if (result.status !== 0) {
      throw new Error(`Maven build of flink-runner failed:\n${result.stdout}\n${result.stderr}`);
    }
  }
  return `${fs.readFileSync(classpathFile, "utf8").trim()}${path.delimiter}${classesDirectory}`;
}

/** Delivery rows per run, per stream name. */
export type RunnerOutput = Map<number, Map<string, Record<string, unknown>[]>>;

/** One job: a translated spec and the records it reads. */
export interface FlinkJob {
  readonly spec: JobSpec;
  readonly records: readonly RunnerRecord[];
}

/** Runs one job over `records` and reads back every stream it wrote. */
export function runFlinkJob(spec: JobSpec, records: readonly RunnerRecord[]): RunnerOutput {
  return runFlinkJobs([{ spec, records }])[0];
}

function readOutput(outputDirectory: string): RunnerOutput {
  const output: RunnerOutput = new Map();
  if (!fs.existsSync(outputDirectory)) return output;
  for (const run of fs.readdirSync(outputDirectory)) {
    const streams = new Map<string, Record<string, unknown>[]>();
    for (const file of fs.readdirSync(path.join(outputDirectory, run))) {
      const text = fs.readFileSync(path.join(outputDirectory, run, file), "utf8");
      streams.set(
        file.replace(/\.jsonl$/, ""),
        text
          .split("\n")
          .filter((l) => l !== "")
          // Exact: a BIGINT beyond 2^53 is a bigint, as the harness's rows hold it.
          .map((l) => parseJson(l) as Record<string, unknown>),
      );
    }
    output.set(Number(run), streams);
  }
  return output;
}

/** The job files of `jobs` in a new temporary directory, and the runner's command line. */
function prepareJobs(jobs: readonly FlinkJob[]) {
  const classpath = ensureRunnerBuilt();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "flink-job-"));
  const list = jobs.map((job, i) => {
    const spec = path.join(directory, `spec-${i}.json`);
    const input = path.join(directory, `input-${i}.jsonl`);
    fs.writeFileSync(spec, JSON.stringify(job.spec));
    fs.writeFileSync(input, job.records.map((r) => JSON.stringify(r) + "\n").join(""));
    return { spec, input, outputDir: path.join(directory, `out-${i}`) };
  });
  const jobsFile = path.join(directory, "jobs.json");
  fs.writeFileSync(jobsFile, JSON.stringify(list));
  return {
    args: ["-cp", classpath, "sessionizer.flink.Runner", "--jobs", jobsFile],
    outputs: () => list.map((job) => readOutput(job.outputDir)),
    remove: () => fs.rmSync(directory, { recursive: true, force: true }),
  };
}

function runnerFailure(status: number | null, stderr: string): Error {
  const cause = stderr
    .split("\n")
    .filter((l) => /Exception|Caused by|rror/.test(l))
    .slice(0, 8)
    .join("\n");
  return new Error(`flink-runner failed (exit ${status}):\n${cause || stderr}`);
}

/** Runs several jobs one after the other in one JVM; returns each job's output, in order. */
export function runFlinkJobs(jobs: readonly FlinkJob[]): RunnerOutput[] {
  const prepared = prepareJobs(jobs);
  try {
    const result = spawnSync("java", prepared.args, {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw runnerFailure(result.status, result.stderr);
    return prepared.outputs();
  } finally {
    prepared.remove();
  }
}

/**
 * `runFlinkJobs` without blocking the event loop, for the CLIs: once `signal` is aborted the JVM
 * is killed and the promise rejects with the signal's reason.
 */
export async function runFlinkJobsAsync(
  jobs: readonly FlinkJob[],
  { signal }: { signal?: AbortSignal } = {},
): Promise<RunnerOutput[]> {
  const prepared = prepareJobs(jobs);
  try {
    const child = spawn("java", prepared.args, { stdio: ["ignore", "ignore", "pipe"] });
    const kill = () => child.kill("SIGKILL");
    signal?.addEventListener("abort", kill, { once: true });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      // The tail is enough to name the failure; a long run logs a lot.
      stderr = (stderr + chunk).slice(-256 * 1024);
    });
    const status = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve(code));
    });
    signal?.removeEventListener("abort", kill);
    if (signal?.aborted) throw signal.reason;
    if (status !== 0) throw runnerFailure(status, stderr);
    return prepared.outputs();
  } finally {
    prepared.remove();
  }
}

/**
 * Starts flink-runner's deployed mode (`Deployed.java`: the Kinesis source, the DynamoDB sinks) in
 * a JVM of its own, as MSF runs the JAR, with `spec` and the `properties` MSF would give it in the
 * property group `SessionizerConfig` (endpoints and credentials for the emulators), both written
 * into `directory`. The caller owns the process: it reads its output and stops it.
 */
export function startDeployedJob(
  spec: JobSpec,
  properties: Readonly<Record<string, string>>,
  directory: string,
): ChildProcess {
  const classpath = ensureRunnerBuilt();
  const specFile = path.join(directory, "spec.json");
  const configFile = path.join(directory, "config.properties");
  fs.writeFileSync(specFile, JSON.stringify(spec));
  fs.writeFileSync(
    configFile,
    Object.entries(properties)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(""),
  );
  const args = ["-cp", classpath, "sessionizer.flink.Runner", "--mode", "deployed"];
  return spawn("java", [...args, "--spec", specFile, "--config", configFile], {
    // kinesalite speaks no CBOR, which the connector's SDK v1 client uses unless told not to.
    env: { ...process.env, AWS_CBOR_DISABLE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}
