/**
 * The Pulumi program: reads the stack's configuration, builds the pipeline, exports what a user needs
 * next (names to look for in the console and a command that sends clicks to the stream).
 */
import { loadConfig } from "./config";
import { Pipeline } from "./pipeline";

const pipeline = new Pipeline("sessionizer", { config: loadConfig() });

export const streamName = pipeline.stream.name;
export const streamArn = pipeline.stream.arn;
export const engine = pipeline.engine;
export const applicationName = pipeline.application?.name;
export const functionName = pipeline.function.name;
export const sessionsTableName = pipeline.tables.sessions.name;
export const deadLetterTableName = pipeline.tables.deadLetters.name;
export const stateTableName = pipeline.tables.state?.name;
export const failedBatchesQueueUrl = pipeline.sessionizer?.failedBatches.url;
export const alarmTopicArn = pipeline.alarmTopicArn;
export const simulatorCommand = pipeline.simulatorCommand;
