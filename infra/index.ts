/**
 * The Pulumi program: reads the stack's configuration, refuses an engine `pulumi up` cannot deploy,
 * builds the pipeline with the stack's AWS provider, and exports what a user needs next: the region,
 * names to look for, console links and commands that send clicks to the stream. Outputs an engine
 * does not have (an application without `kda-sql` or `flink`, a function with `flink`, the state
 * table without `lambda`, the job's code bucket without `flink`) and an alarm topic the stack does
 * not have are not exported.
 */
import { loadConfig } from "./config";
import { assertDeployable } from "./engines";
import { Pipeline } from "./pipeline";
import { createProvider } from "./provider";

const config = loadConfig();
assertDeployable(config.engine);
const provider = createProvider(config);
const pipeline = new Pipeline("sessionizer", { config }, { providers: [provider] });
const engineOutputs = pipeline.engine.outputs;

export const region = pipeline.region;
export const engine = config.engine;
export const streamName = pipeline.stream.name;
export const streamArn = pipeline.stream.arn;
export const applicationName = engineOutputs.applicationName;
export const functionName = engineOutputs.functionName;
export const sessionsTableName = pipeline.sessionsTable.name;
export const deadLetterTableName = pipeline.deadLetterTable.name;
export const stateTableName = engineOutputs.stateTableName;
export const failedBatchesQueueUrl = engineOutputs.failedBatchesQueueUrl;
export const jobCodeBucketName = engineOutputs.jobCodeBucketName;
export const alarmTopicArn = pipeline.alarmTopicArn;
export const consoleLinks = pipeline.consoleLinks;
export const putRecordCommand = pipeline.putRecordCommand;
export const simulatorCommand = pipeline.simulatorCommand;
