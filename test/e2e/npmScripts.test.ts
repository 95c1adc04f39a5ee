/**
 * The commands as npm runs them, the way a user, `timeout` or a CI runner does: `--json` output
 * piped on, and SIGINT or SIGTERM sent to npm's own PID alone. npm forwards the signal to its
 * child; each command must then stop what it started and exit 130 or 143, leaving no process and
 * no open port behind.
 */
import { expect } from "chai";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

/** A command started through npm, with what it printed so far. */
interface NpmRun {
  readonly npm: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

function npm(args: string[]): NpmRun {
  const child = spawn("npm", args, { cwd: root });
  const run: NpmRun = {
    npm: child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) =>
      child.once("exit", (code, signal) =>
        resolve(code ?? (signal === null ? null : 128 + os.constants.signals[signal])),
      ),
    ),
  };
  child.stdout.setEncoding("utf8").on("data", (text: string) => (run.stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (run.stderr += text));
  return run;
}

async function waitFor(run: NpmRun, pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.stderr)) {
    if (Date.now() > deadline) throw new Error(`no ${pattern} on stderr:\n${run.stderr}`);
    if (run.npm.exitCode !== null) throw new Error(`npm exited early:\n${run.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every process below `pid`, as `ps` sees them now. */
function descendants(pid: number): number[] {
  const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Running: it exists and is not a zombie (an exited child its new parent has not reaped yet). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/**
 * Signals npm alone and checks that nothing it started lives on; returns the exit status as a
 * shell reports it (128 + the signal's number for a process the signal ended).
 */
async function stop(run: NpmRun, signal: NodeJS.Signals): Promise<number | null> {
  const started = descendants(run.npm.pid as number);
  expect(started, "npm's children").to.not.deep.equal([]);
  run.npm.kill(signal);
  const code = await run.exited;
  // Give the process table a moment: npm exits as soon as its child has.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(started.filter(alive), `still running after ${signal}`).to.deep.equal([]);
  return code;
}

describe("the commands run through npm", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "npm-scripts-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const startArgs = (...more: string[]) => [
    "start",
    "--",
    "--events",
    "30",
    "--seed",
    "1",
    "--delivery-interval",
    "50",
    "--report",
    path.join(dir, "report.html"),
    ...more,
  ];

  it("npm start -- --json prints one JSON document on stdout and nothing else", async () => {
    const run = npm(startArgs("--json"));
    expect(await run.exited, run.stderr).to.equal(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).to.include({ events: 30, reconciled: true });
    expect(summary.sessions).to.have.length(summary.tableItems);
    expect(run.stderr).to.match(
      /^Local pipeline \(engine lambda, application product\): 30 clicks/,
    );
  });

  it("npm start -- --keep stops on SIGTERM to npm: emulators closed, ports freed, exit 143", async () => {
    const run = npm(startArgs("--keep"));
    await waitFor(run, /Emulators left running[\s\S]*DynamoDB +http:\/\/127\.0\.0\.1:\d+/);
    const ports = [...run.stderr.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    expect(await refused(ports[0])).to.equal(false);

    expect(await stop(run, "SIGTERM")).to.equal(143);
    for (const port of new Set(ports)) expect(await refused(port), `port ${port}`).to.equal(true);
  });

  it("npm start stops mid-run on SIGINT to npm with exit 130", async () => {
    const run = npm(startArgs("--realtime"));
    await waitFor(run, /clicks sent/);
    expect(await stop(run, "SIGINT")).to.equal(130);
    expect(run.stderr).to.contain("start: stopping (SIGINT)");
  });

  it("npm run replay and npm run simulate stop on SIGTERM and SIGINT", async () => {
    // replay reading a stdin that never ends, as in `producer | npm run replay`.
    const replay = npm(["run", "replay"]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await stop(replay, "SIGTERM")).to.equal(143);

    const out = path.join(dir, "clicks.jsonl");
    const simulate = npm(["run", "simulate", "--", "--realtime", "--events", "50", "--out", out]);
    await waitFor(simulate, /Simulating 50 clicks/);
    expect(await stop(simulate, "SIGINT")).to.equal(130);
  });
});
