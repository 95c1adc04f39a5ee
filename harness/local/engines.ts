/**
 * The engines the local pipeline can run, by the name the stack config key `engine` gives them. To
 * add one, write its `EngineRunner` in a module of its own and add its definition here; nothing
 * else in the pipeline changes.
 */
import type { EngineDefinition } from "./engineRunner";
import { flinkEngine } from "./flinkRunner";
import { kdaSqlEngine } from "./kdaSqlRunner";
import { lambdaEngine } from "./lambdaRunner";

export const engines = {
  "kda-sql": kdaSqlEngine,
  lambda: lambdaEngine,
  flink: flinkEngine,
} as const satisfies Record<string, EngineDefinition>;

/** An engine's name, as `--engine` and the stack config key `engine` take it. */
export type PipelineEngine = keyof typeof engines;

export const pipelineEngines = Object.keys(engines) as PipelineEngine[];

/** What a deployed stack runs unless its config says otherwise (AWS no longer creates KDA SQL). */
export const defaultEngine: PipelineEngine = "lambda";
