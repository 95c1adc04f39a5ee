/**
 * The Pulumi program: reads the stack's configuration, builds the pipeline, exports what a user needs
 * next (names to look for in the console and a command that sends clicks to the stream). Outputs an
 * engine does not have (the application of `kda-sql`, the state table of `lambda`) are not exported.
 */
import { loadConfig } from "./config";
import { Pipeline } from "./pipeline";

const config = loadConfig();
const pipeline = new Pipeline("sessionizer", { config });
const engineOutputs = pipeline.engine.outputs;

export const streamName = pipeline.stream.name;
export const streamArn = pipeline.stream.arn;
export const engine = config.engine;
export const applicationName = engineOutputs.applicationName;
export const functionName = engineOutputs.functionName;
export const sessionsTableName = pipeline.sessionsTable.name;
export const deadLetterTableName = pipeline.deadLetterTable.name;
export const stateTableName = engineOutputs.stateTableName;
export const failedBatchesQueueUrl = engineOutputs.failedBatchesQueueUrl;
export const alarmTopicArn = pipeline.alarmTopicArn;
export const simulatorCommand = pipeline.simulatorCommand;
