/**
 * A stack of this project on the real Pulumi CLI and engine (v3.276.0, built by
 * scripts/pulumi-cli.sh), with a local file backend in a temporary directory, the program run as an
 * Automation API inline program (`pipelineProgram`, the function infra/index.ts runs), the `aws`
 * provider stand-in of ./awsStandIn and the policy pack as an analyzer the CLI starts itself
 * (./policyPack). The project and stack files are the committed ones, parsed and handed over
 * unchanged, so what the engine sees is what `pulumi up` in a checkout sees.
 *
 * Why not `pulumi up` in the checkout: the Node language host (pulumi-language-nodejs) and the
 * pulumi-aws plugin are not served by any registry here. The language host's loading path is
 * proven on its own by test/infra/programLoad.test.ts.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  type EngineEvent,
  LocalWorkspace,
  type ProjectSettings,
  PulumiCommand,
  type Stack,
  type StackSettings,
} from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { planOfConfig } from "../../infra/plan/computePlan";
import { diffPlans, type PlanDiff } from "../../infra/plan/diff";
import type { Plan } from "../../infra/plan/model";
import { stackConfigFrom } from "../../infra/plan/stackConfig";
import { pipelineProgram, type StackOutputs } from "../../infra/program";

/** The repository's root: Pulumi.yaml and the stack files. */
export const repositoryRoot = path.join(__dirname, "..", "..");
const standInDirectory = path.join(__dirname, "awsStandIn");
/**
 * The policy pack (policy/) as an executable analyzer (./policyPack), and each stack's policy
 * config, as CI passes them.
 */
export const policyPack = path.join(__dirname, "policyPack");
export const policyConfig = (stack: string): string =>
  path.join(repositoryRoot, "policy", "config", `${stack}.json`);

let cli: Promise<PulumiCommand> | undefined;

/**
 * The real Pulumi CLI: built (or found in the cache) by scripts/pulumi-cli.sh, which takes about 10
 * CPU-minutes the first time on a machine and a fraction of a second after.
 */
export function pulumiCli(): Promise<PulumiCommand> {
  cli ??= (async () => {
    const binary = execFileSync("bash", [path.join(repositoryRoot, "scripts", "pulumi-cli.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    return PulumiCommand.get({ root: path.dirname(path.dirname(binary)), skipVersionCheck: true });
  })();
  return cli;
}

/** Pulumi.yaml, as parsed YAML. */
export function projectFile(root = repositoryRoot): ProjectSettings {
  return parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectSettings;
}

/** Pulumi.<stack>.yaml, as parsed YAML. */
export function stackFile(stack: string, root = repositoryRoot): StackSettings {
  return parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as StackSettings;
}

/** One backend (a directory of state files) and a Pulumi home, removed by {@link close}. */
export interface EngineBackend {
  readonly directory: string;
  /** Creates (or selects) stack `stack` running `program` with `settings` as its stack file. */
  stack(
    stack: string,
    settings: StackSettings,
    program?: () => StackOutputs | Promise<StackOutputs>,
  ): Promise<Stack>;
  close(): void;
}

/** A new local backend in a temporary directory. */
export async function engineBackend(root = repositoryRoot): Promise<EngineBackend> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "engine-"));
  const pulumiHome = path.join(directory, "home");
  const state = path.join(directory, "state");
  fs.mkdirSync(pulumiHome);
  fs.mkdirSync(state);
  const pulumiCommand = await pulumiCli();
  const project = projectFile(root);
  const backend = `file://${state}`;
  return {
    directory,
    async stack(stackName, settings, program = pipelineProgram) {
      return LocalWorkspace.createOrSelectStack(
        { stackName, projectName: project.name, program: async () => program() },
        {
          pulumiCommand,
          pulumiHome,
          envVars: {
            PULUMI_BACKEND_URL: backend,
            PULUMI_CONFIG_PASSPHRASE: "engine-test",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // Nothing may be downloaded: every plugin is the project's own or the stand-in.
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          },
          // `plugins` is a Pulumi.yaml setting the SDK's ProjectSettings type does not list yet.
          projectSettings: {
            ...project,
            backend: { url: backend },
            plugins: { providers: [{ name: "aws", path: standInDirectory }] },
          } as ProjectSettings,
          stackSettings: { [stackName]: settings },
        },
      );
    },
    close() {
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** What the engine does to each resource, by `<type>::<name>`, from a preview's or an up's events. */
export type ResourceOps = Map<string, string>;

/** Collects the step of every resource (`create`, `update`, `replace`, `delete`, `same`, ...). */
export function opsCollector(): { ops: ResourceOps; onEvent: (event: EngineEvent) => void } {
  const ops: ResourceOps = new Map();
  return {
    ops,
    onEvent(event) {
      const metadata = event.resourcePreEvent?.metadata;
      if (metadata === undefined) return;
      const key = resourceKeyOfUrn(metadata.urn);
      // A replacement shows as create-replacement, replace and delete-replaced: one replace.
      const op = ["create-replacement", "delete-replaced", "replace"].includes(metadata.op)
        ? "replace"
        : metadata.op;
      ops.set(key, op);
    },
  };
}

/** `urn:pulumi:dev::proj::a:b:C$aws:x/y:Z::name` -> `aws:x/y:Z::name`. */
export function resourceKeyOfUrn(urn: string): string {
  const parts = urn.split("::");
  const types = parts[2]!.split("$");
  return `${types[types.length - 1]}::${parts.slice(3).join("::")}`;
}

/** The engine's name for what the plan diff calls each kind of change. */
const opOfPlanChange = {
  added: "create",
  removed: "delete",
  changed: "update",
  replaced: "replace",
} as const;

/**
 * What `npm run plan -- --diff` says `pulumi up` does to each resource going from `base` to
 * `head`, in the engine's words, leaving out resources it leaves alone (as {@link opsCollector}
 * leaves out the engine's `same`).
 */
export function planOps(diff: PlanDiff): ResourceOps {
  return new Map(diff.resources.map((r) => [`${r.type}::${r.name}`, opOfPlanChange[r.kind]]));
}

/** The engine's steps without `same` (and the stack itself), for comparison with {@link planOps}. */
export function changedOps(ops: ResourceOps): ResourceOps {
  return new Map(
    [...ops].filter(([key, op]) => op !== "same" && !key.startsWith("pulumi:pulumi:Stack::")),
  );
}

/** The stack's configuration as the plan reads it, with `settings` as its stack file. */
export function stackConfigOf(stack: string, settings: StackSettings, root = repositoryRoot) {
  return stackConfigFrom(projectFile(root), settings, stack);
}

const committedPlans = new Map<string, Promise<Plan>>();

/** The plan diff from the committed stack file to `settings`, as `npm run plan -- --diff` computes it. */
export async function planDiffTo(stack: string, settings: StackSettings): Promise<PlanDiff> {
  // The committed stack's plan is the base of every diff: computed once per stack and process.
  let base = committedPlans.get(stack);
  if (base === undefined) {
    base = planOfConfig(stackConfigOf(stack, stackFile(stack)));
    committedPlans.set(stack, base);
  }
  // One plan at a time: the Pulumi runtime the mocks drive is process-wide.
  const committed = await base;
  const head = await planOfConfig(stackConfigOf(stack, settings));
  return diffPlans(committed, head);
}

/** `settings` with the project's config key `key` (or `aws:region`) set to `value`. */
export function withConfig(
  settings: StackSettings,
  key: string,
  value: unknown,
  project = projectFile().name,
): StackSettings {
  const fullKey = key.includes(":") ? key : `${project}:${key}`;
  return { ...settings, config: { ...(settings.config ?? {}), [fullKey]: value } } as StackSettings;
}

/**
 * The text of the error `action` fails with (the CLI's output included); throws when it succeeds,
 * for the tests of what the engine must refuse.
 */
export async function failureOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    return String(error);
  }
  throw new Error("expected the engine to refuse, and it went through");
}
