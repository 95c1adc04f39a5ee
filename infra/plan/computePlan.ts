/**
 * Computes a stack's plan offline: its configuration from the stack files, the Pulumi program
 * (`infra/index.ts`) under mocks in preview mode, every resource normalised and ordered.
 */
import * as path from "path";
import { type ProgramRun, type RecordedOptions, runUnderMocks, withRegion } from "./mocks";
import {
  orderResources,
  type Plan,
  type PlanOptions,
  type PlanResource,
  type PlanValue,
  toPlanValue,
} from "./model";
import { readStackConfig, type StackConfig } from "./stackConfig";
import { runUrns } from "./urns";

/** The program's entry point. */
export const programEntry = path.join(__dirname, "..", "index.ts");

async function normaliseRecord(
  record: Readonly<Record<string, unknown>>,
): Promise<{ [key: string]: PlanValue }> {
  const value = await toPlanValue(record);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** The options a plan shows: those set, or undefined when none is. */
function planOptions(options: RecordedOptions): PlanOptions | undefined {
  const shown: PlanOptions = {
    ...(options.protect ? { protect: true } : {}),
    ...(options.retainOnDelete ? { retainOnDelete: true } : {}),
    ...(options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
    ...(options.ignoreChanges.length > 0 ? { ignoreChanges: [...options.ignoreChanges] } : {}),
  };
  return Object.keys(shown).length > 0 ? shown : undefined;
}

/** Turns a recorded run into a plan. */
export async function planFromRun(project: string, stack: string, run: ProgramRun): Promise<Plan> {
  const urns = runUrns(run);
  const resources: PlanResource[] = [];
  for (const r of run.resources) {
    const aliases = [...new Set(urns.aliasesOf(`${r.type}::${r.name}`))];
    const options = planOptions(r.options);
    resources.push({
      type: r.type,
      name: r.name,
      parent: r.parent,
      // As pulumi-aws checks them: a regional resource's region is its provider's unless set.
      inputs: await normaliseRecord(
        r.region === undefined ? r.inputs : withRegion(r.type, r.inputs, r.region),
      ),
      ...(aliases.length > 0 ? { aliases } : {}),
      ...(options === undefined ? {} : { options }),
    });
  }
  return {
    project,
    stack,
    resources: orderResources(resources),
    outputs: await normaliseRecord(run.outputs),
    warnings: [...run.warnings],
  };
}

/**
 * The plan of stack `stack` of the project in `directory` (the repository root by default).
 * Runs a fresh copy of the program in this process under new mocks, so plans of several stacks can
 * be computed one after the other (never concurrently: the Pulumi runtime is process-wide).
 */
export async function computePlan(
  stack: string,
  directory = path.join(__dirname, "..", ".."),
): Promise<Plan> {
  return planOfConfig(readStackConfig(directory, stack));
}

/**
 * The plan of a stack with `config` as its configuration: what {@link computePlan} gives for a
 * stack file holding it. The engine tests compare it with the real engine's plan of the same config.
 */
export async function planOfConfig(config: StackConfig): Promise<Plan> {
  const run = await runUnderMocks({
    project: config.project,
    stack: config.stack,
    config: config.values,
    secretKeys: config.secretKeys,
    preview: true,
    program: () => {
      // The entry point's top level is the program: load it anew for each run.
      delete require.cache[require.resolve(programEntry)];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(programEntry) as Record<string, unknown>;
    },
  });
  return planFromRun(config.project, config.stack, run);
}
