/**
 * Engine `lambda`, which deploys today: Kinesis stream -> event source mapping (one batch per shard
 * at a time) -> sessionizer Lambda running `sql/sessionize.sql` with the bundled harness, its window
 * state in a DynamoDB state table -> the pipeline's sessions and dead-letter tables. Batches the
 * mapping gives up on go to an SQS queue, to be replayed from the stream.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readApplicationSql, sqlApplications } from "../../sql/applications";
import { handlerEnvironment, handlerMetrics, stateTableShape } from "../../sql/contracts";
import { alarmArgs, createAlarms, tableThrottlesAlarm } from "../alarms";
import { handlerFiles } from "../bundle";
import { kinesisViaService, sessionizerPolicy, streamKeyToGrant } from "../policies";
import { createTable } from "../tables";
import {
  type EngineArgs,
  type EngineComponent,
  type EngineOptions,
  type EngineOutputs,
  movedFromPipeline,
} from "./engine";
import { createEngineFunction, deliveryEnvironment } from "./function";

/** The component's type token: `<project>:<module>:<Type>`. */
export const lambdaEngineType = "clickstream-sessionizer:engines:LambdaEngine";

/** The sessionizer handler's entry, bundled with `sql/sessionize.sql` beside it. */
export const sessionizerHandlerEntry = "handlers/sessionize-stream.ts";

/**
 * KDA's starting positions as an event source mapping's. The mapping keeps its own checkpoint, so
 * after the first start it always resumes where it stopped (LAST_STOPPED_POINT); on the first start
 * that reads from the oldest record, and the state table's sequence numbers skip what is applied.
 */
export const eventSourceStartingPositions = {
  NOW: "LATEST",
  TRIM_HORIZON: "TRIM_HORIZON",
  LAST_STOPPED_POINT: "TRIM_HORIZON",
} as const;

/**
 * The state table, the failed-batches queue, the sessionizer function, the event source mapping,
 * and their alarms. Children are named `<name>-<part>` like the pipeline's.
 */
export class LambdaEngine extends pulumi.ComponentResource implements EngineComponent {
  readonly stateTable: aws.dynamodb.Table;
  readonly failedBatches: aws.sqs.Queue;
  readonly function: aws.lambda.Function;
  readonly eventSourceMapping: aws.lambda.EventSourceMapping;
  readonly outputs: EngineOutputs;

  constructor(name: string, args: EngineArgs, opts: EngineOptions) {
    super(lambdaEngineType, name, {}, opts);
    const { config, shared } = args;
    const moved = movedFromPipeline(this, opts.parent);

    // Retained rather than protected: a switch to another engine is one `pulumi up` (tables.ts).
    this.stateTable = createTable(
      `${name}-state`,
      config.names.stateTable,
      stateTableShape,
      config,
      moved,
      "engine",
    );
    // Where the event source mapping sends a batch it gives up on (after `maximumRetryAttempts` or
    // `maximumRecordAgeSeconds`): the batch's shard and sequence range, to replay from the stream.
    // Kept 14 days, SQS's longest. Auto-named: it is found through the stack output.
    this.failedBatches = new aws.sqs.Queue(
      `${name}-failed-batches`,
      { messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true },
      moved,
    );
    this.function = createEngineFunction(
      name,
      {
        description:
          `Runs sql/${sqlApplications[config.sqlApplication].sqlFile} over the Kinesis stream with ` +
          "the bundled harness (window state in DynamoDB) and writes sessions and error rows like " +
          "the KDA delivery function",
        roleDescription: "read the stream, keep window state, write sessions and dead letters, log",
        policy: (logStreamsArn) =>
          sessionizerPolicy<pulumi.Input<string>>({
            streamArn: shared.stream.arn,
            streamKeyArn: streamKeyToGrant(config.stream.kmsKey),
            viaService: shared.region.apply(kinesisViaService),
            sessionsTableArn: shared.sessionsTable.arn,
            deadLetterTableArn: shared.deadLetterTable.arn,
            stateTableArn: this.stateTable.arn,
            failedBatchesQueueArn: this.failedBatches.arn,
            logStreamsArn,
          }),
        files: {
          ...handlerFiles(sessionizerHandlerEntry),
          // The handler reads the SQL of SQL_APPLICATION from beside the bundle at cold start: the
          // very file the tests run, as text so the plan is the same in any checkout.
          [sqlApplications[config.sqlApplication].sqlFile]: new pulumi.asset.StringAsset(
            readApplicationSql(config.sqlApplication),
          ),
          // The application's input schema compiled into the bundle (sql/inputSchema.ts), as text
          // beside it: the package says how it maps records, and a plan diff shows a change of it
          // line by line, as it shows the SQL application's input schema on engine kda-sql.
          "input-schema.json": new pulumi.asset.StringAsset(
            `${JSON.stringify(sqlApplications[config.sqlApplication].inputSchema, null, 2)}\n`,
          ),
        },
        environment: {
          ...deliveryEnvironment(shared),
          [handlerEnvironment.stateTable]: this.stateTable.name,
          [handlerEnvironment.sqlApplication]: config.sqlApplication,
        },
        alarmDescriptions: {
          errors: "The sessionizer failed; the event source mapping retries the batch",
          throttles: "The sessionizer function was throttled",
        },
      },
      args,
      moved,
    );
    this.eventSourceMapping = this.createEventSourceMapping(name, args, moved);
    this.createAlarms(name, args, opts.parent);

    this.outputs = {
      functionName: this.function.name,
      stateTableName: this.stateTable.name,
      failedBatchesQueueUrl: this.failedBatches.url,
    };
    this.registerOutputs(this.outputs);
  }

  /**
   * The stream -> sessionizer wiring. `parallelizationFactor: 1` means one batch per shard in
   * flight, so a shard's records are applied in order (the SQL's windows depend on it). It is not
   * a setting: the sessionizer's shard lease refuses a second batch of a shard (and the
   * concurrent-batches alarm fires), see docs/engines.md. Partial batch responses let the function
   * name the record to retry from:
   * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
   *
   * `startingPosition` only matters when the mapping is created (it keeps its own checkpoint after
   * that), yet changing it forces a replacement (ForceNew in terraform-provider-aws). A mapping has
   * no name, so Pulumi would create the new one before deleting the old, and Lambda refuses a second
   * mapping of one stream to one function (`ResourceConflictException`,
   * aws/serverless-application-model#1320). So the position is ignored after creation, and any
   * other replacement (a new stream, `pulumi up --replace`) deletes the old mapping first.
   */
  private createEventSourceMapping(
    name: string,
    { config, shared }: EngineArgs,
    opts: pulumi.CustomResourceOptions,
  ): aws.lambda.EventSourceMapping {
    const settings = config.eventSource;
    return new aws.lambda.EventSourceMapping(
      `${name}-event-source`,
      {
        eventSourceArn: shared.stream.arn,
        functionName: this.function.arn,
        startingPosition: eventSourceStartingPositions[config.application.startingPosition],
        enabled: config.application.start,
        batchSize: settings.batchSize,
        maximumBatchingWindowInSeconds: settings.maximumBatchingWindowSeconds,
        parallelizationFactor: 1,
        functionResponseTypes: ["ReportBatchItemFailures"],
        bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
        maximumRecordAgeInSeconds: settings.maximumRecordAgeSeconds,
        maximumRetryAttempts: settings.maximumRetryAttempts,
        destinationConfig: { onFailure: { destinationArn: this.failedBatches.arn } },
      },
      { ...opts, ignoreChanges: ["startingPosition"], deleteBeforeReplace: true },
    );
  }

  private createAlarms(name: string, { config, alarms }: EngineArgs, pipeline: pulumi.Resource) {
    const { iteratorAgeMs, failedBatches, tableThrottles } = config.alarms;
    createAlarms(
      name,
      [
        // IteratorAge of an event source mapping: how old the last record of a batch was when the
        // function got it; it grows while batches keep failing and are retried.
        {
          part: "function-iterator-age",
          description: "The sessionizer falls behind the stream (or keeps retrying)",
          namespace: "AWS/Lambda",
          metricName: "IteratorAge",
          statistic: "Maximum",
          dimensions: { FunctionName: this.function.name },
          threshold: iteratorAgeMs,
        },
        tableThrottlesAlarm("state-throttles", this.stateTable, tableThrottles),
        // The shard lease refused a batch: two invocations on one shard at once, which the design
        // does not allow (a parallelizationFactor above 1, or a second consumer of the stream).
        {
          part: "concurrent-batches",
          description:
            "Two batches of one shard ran at once and one was refused: is a second event source " +
            "mapping reading the stream, or its parallelizationFactor above 1?",
          namespace: handlerMetrics.namespace,
          metricName: handlerMetrics.concurrentBatches,
          statistic: "Sum",
          dimensions: { FunctionName: this.function.name },
          threshold: 0,
        },
        // The mapping could not send a failed batch's pointer to the failed-batches queue: the batch
        // is then dropped without a trace, so any one of them is worth an alarm.
        // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
        {
          part: "destination-delivery-failures",
          description:
            "The event source mapping could not send a failed batch to the failed-batches queue: the batch is lost",
          namespace: "AWS/Lambda",
          metricName: "DestinationDeliveryFailures",
          statistic: "Sum",
          dimensions: { FunctionName: this.function.name },
          threshold: 0,
        },
      ],
      alarms,
      movedFromPipeline(this, pipeline),
    );
    // Named apart from its queue: both were `<name>-failed-batches` up to commit 54722fd, and the
    // alias to that name keeps the deployed alarm.
    new aws.cloudwatch.MetricAlarm(
      `${name}-failed-batches-alarm`,
      alarmArgs(
        {
          part: "failed-batches",
          description: "The event source mapping gave up on a batch: replay it",
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          statistic: "Maximum",
          dimensions: { QueueName: this.failedBatches.name },
          threshold: failedBatches,
        },
        alarms,
      ),
      movedFromPipeline(this, pipeline, [`${name}-failed-batches`]),
    );
  }
}
