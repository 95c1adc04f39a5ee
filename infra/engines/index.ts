/**
 * Every engine by its config name (`engine` in Pulumi.yaml). The pipeline picks the strategy here and
 * nowhere else; the type makes a name added to `engines` in config.ts without a strategy a compile
 * error. A new engine is one module beside these and one entry below.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Engine } from "../config";
import type { EngineArgs, EngineComponent, EngineFactory, EngineOptions } from "./engine";
import { FlinkEngine, flinkEngineType } from "./flink";
import { KdaSqlEngine, kdaSqlEngineType, kdaSqlNotDeployable } from "./kdaSql";
import { LambdaEngine, lambdaEngineType } from "./lambda";

/** How the pipeline builds an engine, and whether `pulumi up` can. */
export interface EngineStrategy {
  /** The component's type token. */
  readonly type: string;
  readonly create: EngineFactory;
  /** Why `pulumi up` must not deploy the engine, if it must not; a preview still plans it. */
  readonly notDeployable?: string;
}

export const engineStrategies: { readonly [E in Engine]: EngineStrategy } = {
  "kda-sql": {
    type: kdaSqlEngineType,
    create: (name, args, opts) => new KdaSqlEngine(name, args, opts),
    notDeployable: kdaSqlNotDeployable,
  },
  lambda: {
    type: lambdaEngineType,
    create: (name, args, opts) => new LambdaEngine(name, args, opts),
  },
  flink: {
    type: flinkEngineType,
    create: (name, args, opts) => new FlinkEngine(name, args, opts),
  },
};

/**
 * Creates the engine's component. It is aliased to every other engine's component type, so a stack
 * that switches engines keeps in place (updated, not recreated under the same physical name) what
 * both engines have by the same logical name: the function, its role, policy, log group and alarms
 * (`lambda` and `kda-sql`), the application's log group, log stream, role, policy and lag alarm
 * (`kda-sql` and `flink`, whose applications differ in type and so are replaced).
 * Without the alias Pulumi would create the new engine's function before deleting the old one, and
 * Lambda would refuse the second function of the same name.
 */
export function createEngine(
  engine: Engine,
  name: string,
  args: EngineArgs,
  opts: EngineOptions,
): EngineComponent {
  const others = Object.values(engineStrategies).filter((s) => s !== engineStrategies[engine]);
  return engineStrategies[engine].create(name, args, {
    ...opts,
    aliases: [...(opts.aliases ?? []), ...others.map((s) => ({ type: s.type }))],
  });
}

/** Thrown by {@link assertDeployable} when `pulumi up` is asked to deploy an engine it cannot. */
export class EngineNotDeployableError extends Error {
  override readonly name = "EngineNotDeployableError";
}

/**
 * Stops `pulumi up` before it creates anything when the stack's engine cannot be deployed, so that
 * no half-built stack is left behind; a preview (`pulumi preview`, `npm run plan`) goes on.
 * `dryRun` is `pulumi.runtime.isDryRun()` unless a test says otherwise.
 */
export function assertDeployable(engine: Engine, dryRun = pulumi.runtime.isDryRun()): void {
  const reason = engineStrategies[engine].notDeployable;
  if (reason !== undefined && !dryRun) throw new EngineNotDeployableError(reason);
}
