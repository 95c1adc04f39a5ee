/**
 * Starts the Pulumi program the way `pulumi preview` and `pulumi up` start it, without the Pulumi
 * CLI: the Node language host (pulumi-language-nodejs) cannot be fetched here, and the Automation
 * API's inline programs never take its path, so this is the only test of how the CLI loads
 * `infra/`. What it reproduces, from Pulumi v3.276.0's sources:
 *
 * - the engine's `getPwdMain` (pkg/engine/project.go): `main` of Pulumi.yaml relative to the
 *   project root; a directory becomes the program's working directory and the entry point `.`;
 * - the language host's `Run` (sdk/nodejs/cmd/pulumi-language-nodejs/main.go): `node
 *   @pulumi/pulumi/cmd/run --monitor M --engine E --project P --root-directory R --stack S --pwd
 *   <program dir> [--dry-run] --parallel N <entry point>`, with `PULUMI_CONFIG` (keys as
 *   `ns:config:name`), `PULUMI_CONFIG_SECRET_KEYS`, `PULUMI_NODEJS_TYPESCRIPT=true` unless the
 *   `typescript` option is false, and `PULUMI_NODEJS_TSCONFIG_PATH` set to the `tsconfig` option
 *   exactly as written (run.js resolves it after it changed into the program directory).
 *
 * The resource monitor and the engine it talks to are a small gRPC stand-in that records every
 * registration and answers the provider functions as the plan's mocks do; it proves the program
 * loads, compiles and registers its resources, not what a provider would do with them (that is
 * `npm run test:engine`).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { parse } from "yaml";
import { physicalState } from "../../infra/plan/arns";
import { providerFunctionAnswer } from "../../infra/plan/mocks";
import { readStackConfig } from "../../infra/plan/stackConfig";

/* eslint-disable @typescript-eslint/no-require-imports -- generated gRPC stubs ship as CommonJS without types for the services */
const resourceGrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resourcePb = require("@pulumi/pulumi/proto/resource_pb");
const providerPb = require("@pulumi/pulumi/proto/provider_pb");
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const enginePb = require("@pulumi/pulumi/proto/engine_pb");
const emptyPb = require("google-protobuf/google/protobuf/empty_pb");
const structPb = require("google-protobuf/google/protobuf/struct_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** What the language host would run: the node arguments, environment and working directory. */
export interface LanguageHostLaunch {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly programDirectory: string;
  readonly entryPoint: string;
}

/** The engine's `getPwdMain`: the program's directory and entry point from Pulumi.yaml's `main`. */
function programLocation(
  root: string,
  main: string | undefined,
): { programDirectory: string; entryPoint: string } {
  if (main === undefined || main === "") return { programDirectory: root, entryPoint: "." };
  const resolved = path.resolve(root, main);
  if (!fs.existsSync(resolved)) throw new Error(`project 'main' could not be read: ${resolved}`);
  return fs.statSync(resolved).isDirectory()
    ? { programDirectory: resolved, entryPoint: "." }
    : { programDirectory: path.dirname(resolved), entryPoint: path.basename(resolved) };
}

/**
 * The command line and environment pulumi-language-nodejs gives `node` for stack `stack` of the
 * project at `root`, talking to the monitor and engine at the given addresses.
 */
export function languageHostLaunch(
  root: string,
  stack: string,
  addresses: { monitor: string; engine: string },
  dryRun: boolean,
): LanguageHostLaunch {
  const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    main?: string;
    runtime: string | { name: string; options?: Record<string, unknown> };
  };
  const options = typeof project.runtime === "string" ? {} : (project.runtime.options ?? {});
  const { programDirectory, entryPoint } = programLocation(root, project.main);
  const config = readStackConfig(root, stack);
  const hostConfig: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.values)) {
    const at = key.indexOf(":");
    hostConfig[`${key.slice(0, at)}:config:${key.slice(at + 1)}`] = value;
  }
  // The language host finds the run script as `require.resolve` from the program's directory.
  const runScript = require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDirectory] });
  const env: Record<string, string> = {
    PULUMI_CONFIG: JSON.stringify(hostConfig),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(config.secretKeys),
  };
  if (options["typescript"] !== false) env["PULUMI_NODEJS_TYPESCRIPT"] = "true";
  if (typeof options["tsconfig"] === "string" && options["tsconfig"] !== "")
    env["PULUMI_NODEJS_TSCONFIG_PATH"] = options["tsconfig"];
  const args = [
    runScript,
    ...["--monitor", addresses.monitor, "--engine", addresses.engine],
    ...["--project", project.name, "--root-directory", root, "--stack", stack],
    ...["--pwd", programDirectory],
    ...(dryRun ? ["--dry-run"] : []),
    ...["--parallel", "16", entryPoint],
  ];
  return { args, env, programDirectory, entryPoint };
}

/** One resource the program registered with the stand-in monitor. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
}

/** What one run through the language host's path gave. */
export interface LanguageHostRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Messages the program logged through the engine, with their severity. */
  readonly logs: readonly { severity: number; message: string }[];
  readonly resources: readonly RegisteredResource[];
}

/** The resource monitor and engine the program talks to, recording what it registers. */
async function startMonitor(
  project: string,
  stack: string,
  region: string,
): Promise<{
  address: string;
  resources: RegisteredResource[];
  logs: { severity: number; message: string }[];
  close: () => void;
}> {
  const resources: RegisteredResource[] = [];
  const logs: { severity: number; message: string }[] = [];
  let root = "";
  // The engine's own limit (rpcutil.MaxRPCMessageSize): a Lambda's inline code archive alone is
  // several megabytes, past gRPC's default of 4 MB.
  const maxMessage = 400 * 1024 * 1024;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessage,
    "grpc.max_send_message_length": maxMessage,
  });
  type Callback = (error: Error | null, response?: unknown) => void;
  // The engine leaves the stack out of its children's type chains.
  const typeChain = (parentUrn: string): string => {
    const parts = parentUrn.split("::");
    return parts.length >= 4 && parts[2] !== "pulumi:pulumi:Stack" ? `${parts[2]}$` : "";
  };
  server.addService(resourceGrpc.ResourceMonitorService, {
    supportsFeature(call: { request: { getId(): string } }, callback: Callback) {
      const supported = ["secrets", "resourceReferences", "outputValues", "aliasSpecs"];
      callback(
        null,
        new resourcePb.SupportsFeatureResponse().setHassupport(
          supported.includes(call.request.getId()),
        ),
      );
    },
    registerResource(
      call: {
        request: {
          getType(): string;
          getName(): string;
          getParent(): string;
          getCustom(): boolean;
          getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
        };
      },
      callback: Callback,
    ) {
      const request = call.request;
      const type = request.getType();
      const name = request.getName();
      const parent = request.getParent();
      const urn = `urn:pulumi:${stack}::${project}::${parent === "" ? "" : typeChain(parent)}${type}::${name}`;
      resources.push({ type, name, urn });
      const inputs = request.getObject()?.toJavaScript() ?? {};
      const state = request.getCustom()
        ? { ...inputs, ...physicalState(type, name, inputs, { region }) }
        : {};
      const response = new resourcePb.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId("");
      response.setObject(structPb.Struct.fromJavaScript(state));
      callback(null, response);
    },
    registerResourceOutputs(_call: unknown, callback: Callback) {
      callback(null, new emptyPb.Empty());
    },
    invoke(
      call: {
        request: { getTok(): string };
      },
      callback: Callback,
    ) {
      const token = call.request.getTok();
      const answer = providerFunctionAnswer(token, region);
      if (answer === undefined) {
        callback(new Error(`the stand-in monitor does not answer ${token}`));
        return;
      }
      callback(
        null,
        new providerPb.InvokeResponse().setReturn(structPb.Struct.fromJavaScript(answer)),
      );
    },
    signalAndWaitForShutdown(_call: unknown, callback: Callback) {
      callback(null, new emptyPb.Empty());
    },
  });
  server.addService(engineGrpc.EngineService, {
    log(call: { request: { getSeverity(): number; getMessage(): string } }, callback: Callback) {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
      callback(null, new emptyPb.Empty());
    },
    getRootResource(_call: unknown, callback: Callback) {
      callback(null, new enginePb.GetRootResourceResponse().setUrn(root));
    },
    setRootResource(call: { request: { getUrn(): string } }, callback: Callback) {
      root = call.request.getUrn();
      callback(null, new enginePb.SetRootResourceResponse());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { address: `127.0.0.1:${port}`, resources, logs, close: () => server.forceShutdown() };
}

/**
 * Runs stack `stack` of the project at `root` through the language host's path, in preview
 * (`dryRun`) or as `pulumi up` would, and reports what the program registered and logged. The
 * program is killed after `timeoutMs`.
 */
export async function runAsLanguageHost(
  root: string,
  stack: string,
  dryRun = true,
  timeoutMs = 150_000,
): Promise<LanguageHostRun> {
  const config = readStackConfig(root, stack);
  const region = config.values["aws:region"] ?? "us-east-1";
  const monitor = await startMonitor(config.project, stack, region);
  try {
    const launch = languageHostLaunch(
      root,
      stack,
      { monitor: monitor.address, engine: monitor.address },
      dryRun,
    );
    // The CLI starts the language host from wherever the user stands; run.js changes directory
    // itself (--pwd), so start from somewhere else to catch paths taken from the wrong directory.
    const child = spawn(process.execPath, [...launch.args], {
      cwd: path.parse(root).root,
      env: { ...process.env, ...launch.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // A program that never ends (an open handle, a wait on a monitor call) must not outlive the test.
    const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    }).finally(() => clearTimeout(deadline));
    return { exitCode, stdout, stderr, logs: monitor.logs, resources: monitor.resources };
  } finally {
    monitor.close();
  }
}
