/**
 * The seam between the pipeline and what runs `sql/sessionize.sql` (docs/architecture.md): each
 * engine is a strategy, a child component of the pipeline that owns its resources and their alarms.
 * The pipeline creates what every engine shares (the stream, the sessions and dead-letter tables, the
 * alarm topic), picks the engine's factory from `engineStrategies` by the config's `engine`, and
 * otherwise never looks at which engine runs.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { AlarmSettings } from "../alarms";
import type { PipelineConfig } from "../config";

/** What the pipeline creates for every engine: where records come from and rows go to. */
export interface SharedResources {
  readonly stream: aws.kinesis.Stream;
  readonly sessionsTable: aws.dynamodb.Table;
  readonly deadLetterTable: aws.dynamodb.Table;
  /** The region the stack deploys to, as its AWS provider answers (`aws.getRegionOutput`). */
  readonly region: pulumi.Output<string>;
}

/** Arguments of every engine component. */
export interface EngineArgs {
  readonly config: PipelineConfig;
  readonly shared: SharedResources;
  /** The stack's alarm settings, so the engine's alarms notify like the pipeline's. */
  readonly alarms: AlarmSettings;
}

/**
 * Stack outputs an engine adds to the pipeline's. Which keys an engine sets is its own business;
 * absent keys are not exported.
 */
export interface EngineOutputs {
  /**
   * The function to look for in the console: the delivery function (`kda-sql`) or the sessionizer
   * (`lambda`); engine `flink` has none.
   */
  readonly functionName?: pulumi.Output<string>;
  /** The SQL application (`kda-sql`) or the Managed Service for Apache Flink application (`flink`). */
  readonly applicationName?: pulumi.Output<string>;
  /** The bucket that holds the Flink job's JAR (`flink`). */
  readonly jobCodeBucketName?: pulumi.Output<string>;
  readonly stateTableName?: pulumi.Output<string>;
  readonly failedBatchesQueueUrl?: pulumi.Output<string>;
}

/** An engine's component, as the pipeline sees it. */
export interface EngineComponent extends pulumi.ComponentResource {
  readonly outputs: EngineOutputs;
  /** The Managed Service for Apache Flink application to link in the console, if the engine runs one. */
  readonly flinkApplicationName?: pulumi.Output<string>;
}

/** Options of an engine component: it always has the pipeline as its parent. */
export interface EngineOptions extends pulumi.ComponentResourceOptions {
  readonly parent: pulumi.Resource;
}

/** Creates an engine's component named `name` (the pipeline's name, which its children start with). */
export type EngineFactory = (
  name: string,
  args: EngineArgs,
  opts: EngineOptions,
) => EngineComponent;

/**
 * Options of a resource that moved from the pipeline into an engine's component: up to commit
 * 54722fd every resource was a direct child of the pipeline. The alias to its URN there (and to any
 * `formerNames` it had there) makes `pulumi up` on a deployed stack adopt the resource in place.
 * Without it Pulumi sees a new resource and an old one: it creates the new one first, which fails on
 * every fixed physical name (stream, function, tables, roles), and would then delete the old one,
 * which for a table loses its data. Engines added later have no such past and need no alias.
 */
export function movedFromPipeline(
  engine: pulumi.Resource,
  pipeline: pulumi.Resource,
  formerNames: readonly string[] = [],
): pulumi.CustomResourceOptions {
  return {
    parent: engine,
    aliases: [{ parent: pipeline }, ...formerNames.map((name) => ({ name, parent: pipeline }))],
  };
}

/**
 * The CloudWatch log group and stream of a stream-processing application (engines `kda-sql` and
 * `flink`), under AWS's conventional name. Both engines create them by the same logical names, so
 * a stack that switches between the two updates them in place.
 */
export function applicationLogs(
  name: string,
  config: EngineArgs["config"],
  opts: pulumi.CustomResourceOptions,
): { logGroup: aws.cloudwatch.LogGroup; logStream: aws.cloudwatch.LogStream } {
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-application-logs`,
    {
      name: `/aws/kinesis-analytics/${config.names.application}`,
      retentionInDays: config.logRetentionDays,
    },
    opts,
  );
  const logStream = new aws.cloudwatch.LogStream(
    `${name}-application-log-stream`,
    { logGroupName: logGroup.name },
    opts,
  );
  return { logGroup, logStream };
}
