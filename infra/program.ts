/**
 * The Pulumi program as a function: reads the stack's configuration, refuses an engine `pulumi up`
 * cannot deploy, builds the pipeline with the stack's AWS provider, and returns the stack outputs a
 * user needs next: the region, names to look for, console links and commands that send clicks to
 * the stream. `infra/index.ts` runs it for the Pulumi CLI; the Automation API runs it as an inline
 * program (`npm run deploy-check`, `npm run test:engine`), so both load the same code.
 *
 * Only outputs the stack has are returned: an application without `kda-sql` or `flink`, a function
 * with `flink`, the state table and failed-batches queue without `lambda`, the code bucket without
 * `flink` and an alarm topic the stack does not create are left out, rather than exported as
 * undefined (which Pulumi warns about on every run: "Undefined value ... will not show as a stack
 * output").
 */
import type * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { assertDeployable } from "./engines";
import { Pipeline } from "./pipeline";
import { createProvider } from "./provider";

/** The stack outputs, by name; absent names are outputs this stack does not have. */
export type StackOutputs = Record<string, pulumi.Output<unknown> | string>;

/** Builds the stack's resources and returns its outputs. */
export function pipelineProgram(): StackOutputs {
  const config = loadConfig();
  assertDeployable(config.engine);
  const provider = createProvider(config);
  const pipeline = new Pipeline("sessionizer", { config }, { providers: [provider] });
  const engineOutputs = pipeline.engine.outputs;
  const outputs: Record<string, pulumi.Output<unknown> | string | undefined> = {
    region: pipeline.region,
    engine: config.engine,
    streamName: pipeline.stream.name,
    streamArn: pipeline.stream.arn,
    applicationName: engineOutputs.applicationName,
    functionName: engineOutputs.functionName,
    sessionsTableName: pipeline.sessionsTable.name,
    deadLetterTableName: pipeline.deadLetterTable.name,
    stateTableName: engineOutputs.stateTableName,
    failedBatchesQueueUrl: engineOutputs.failedBatchesQueueUrl,
    jobCodeBucketName: engineOutputs.jobCodeBucketName,
    alarmTopicArn: pipeline.alarmTopicArn,
    consoleLinks: pipeline.consoleLinks,
    putRecordCommand: pipeline.putRecordCommand,
    simulatorCommand: pipeline.simulatorCommand,
  };
  return Object.fromEntries(
    Object.entries(outputs).filter(
      (entry): entry is [string, pulumi.Output<unknown> | string] => entry[1] !== undefined,
    ),
  );
}
