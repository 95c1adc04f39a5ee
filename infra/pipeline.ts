/**
 * The whole clickstream-sessionization pipeline of the lab as one component, with one of two engines
 * running `sql/sessionize.sql` (config `engine`):
 * - `kda-sql`: Kinesis stream -> KDA SQL application -> delivery Lambda -> DynamoDB, with the
 *   application's `error_stream` delivered to the same Lambda, which files those rows in a
 *   dead-letter table (the lab's wiring; AWS ended KDA SQL on 2026-01-27);
 * - `lambda`: Kinesis stream -> event source mapping (one batch per shard at a time) -> sessionizer
 *   Lambda running the same SQL with the bundled harness, window state in a DynamoDB state table ->
 *   the same sessions and dead-letter tables; batches it gives up on go to an SQS queue.
 * The plan holds exactly the chosen engine's resources. One private method per resource group.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { clickInputSchema, readSessionizeSql } from "../sql/inputSchema";
import { bundleHandler } from "./bundle";
import { awsManagedKinesisKey, type PipelineConfig, shardLevelMetricNames } from "./config";
import {
  applicationPolicy,
  functionPolicy,
  logStreamsArnOf,
  type PolicyDocument,
  servicePrincipals,
  sessionizerPolicy,
  trustPolicy,
} from "./policies";
import {
  deadLetterTableShape,
  deliveredStreams,
  handlerEnvironment,
  sessionsTableShape,
  stateTableShape,
  type TableShape,
} from "../sql/contracts";

/** The component's type token: `<project>:<module>:<Type>`. */
export const pipelineType = "clickstream-sessionizer:pipeline:Pipeline";

/** The delivery handler's entry, relative to the repository root; bundled at program run. */
export const deliveryHandlerEntry = "handlers/deliver-sessions.ts";

/** The sessionizer handler's entry (engine `lambda`), bundled with `sql/sessionize.sql` beside it. */
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
 * Printed whenever the program runs. AWS stopped accepting new Kinesis Data Analytics for SQL
 * applications on 2025-10-15 and deleted the remaining ones from 2026-01-27:
 * https://docs.aws.amazon.com/kinesisanalytics/latest/dev/discontinuation.html
 * `@pulumi/aws` still has the (deprecated) resource, so the application can be planned and tested.
 */
export const kdaSqlEndOfLifeWarning =
  "AWS ended Kinesis Data Analytics for SQL applications on 2026-01-27 (no new ones since " +
  "2025-10-15). `pulumi up` creates the stream, tables, function, roles, log groups and alarms, " +
  "then fails on the aws:kinesis/analyticsApplication:AnalyticsApplication, which AWS refuses to " +
  "create; `pulumi destroy` removes what was created. The SQL runs offline in the harness " +
  "(`npm start`, `npm run replay`); the successor service is Amazon Managed Service for Apache Flink.";

/** Arguments of {@link Pipeline}. */
export interface PipelineArgs {
  readonly config: PipelineConfig;
}

// Every metric `ALL` stands for: listed explicitly because the API reports them one by one, and a
// literal "ALL" would show as a change on every refresh.
const everyShardLevelMetric = shardLevelMetricNames.filter((m) => m !== "ALL");

interface Tables {
  readonly sessions: aws.dynamodb.Table;
  readonly deadLetters: aws.dynamodb.Table;
  /** The sessionizer's window state (engine `lambda` only). */
  readonly state?: aws.dynamodb.Table;
}

/** What differs between the two engines' functions. */
interface FunctionSpec {
  readonly description: string;
  readonly roleDescription: string;
  readonly policyName: string;
  readonly policy: (logStreamsArn: pulumi.Output<string>) => PolicyDocument<pulumi.Input<string>>;
  readonly files: Record<string, pulumi.asset.Asset>;
  readonly environment: Record<string, pulumi.Input<string>>;
}

/** The resources only the `lambda` engine has. */
export interface SessionizerResources {
  readonly eventSourceMapping: aws.lambda.EventSourceMapping;
  readonly failedBatches: aws.sqs.Queue;
}

/**
 * The lab's pipeline. Children are named `<name>-<part>` and parented to the component; physical
 * names come from the validated config.
 */
export class Pipeline extends pulumi.ComponentResource {
  readonly stream: aws.kinesis.Stream;
  readonly tables: Tables;
  /** The stack's function: the delivery function (kda-sql) or the sessionizer (lambda). */
  readonly function: aws.lambda.Function;
  /** The SQL application (engine `kda-sql` only). */
  readonly application?: aws.kinesis.AnalyticsApplication;
  /** The event source mapping and failed-batches queue (engine `lambda` only). */
  readonly sessionizer?: SessionizerResources;
  /** The topic alarms notify, or `none`. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** A command that sends the lab's simulated clicks to this stack's stream. */
  readonly simulatorCommand: pulumi.Output<string>;
  /** Which engine runs the SQL (config `engine`). */
  readonly engine: PipelineConfig["engine"];

  private readonly config: PipelineConfig;
  private readonly tags: Readonly<Record<string, string>>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(pipelineType, name, {}, opts);
    this.config = args.config;
    this.engine = args.config.engine;
    this.tags = args.config.tags;

    this.stream = this.createStream(name);
    this.tables = this.createTables(name);
    if (this.config.engine === "lambda") {
      const failedBatches = this.createFailedBatchesQueue(name);
      this.function = this.createSessionizerFunction(name, failedBatches);
      this.sessionizer = {
        failedBatches,
        eventSourceMapping: this.createEventSourceMapping(name, failedBatches),
      };
    } else {
      this.function = this.createDeliveryFunction(name);
      this.application = this.createSqlApplication(name);
    }
    this.alarmTopicArn = this.createAlarms(name) ?? pulumi.output("none");
    this.simulatorCommand = pulumi.interpolate`npm run simulate -- --stream ${this.stream.name} --region ${this.config.region}`;

    this.registerOutputs({
      engine: this.config.engine,
      streamName: this.stream.name,
      streamArn: this.stream.arn,
      ...(this.application ? { applicationName: this.application.name } : {}),
      functionName: this.function.name,
      sessionsTableName: this.tables.sessions.name,
      deadLetterTableName: this.tables.deadLetters.name,
      ...(this.tables.state ? { stateTableName: this.tables.state.name } : {}),
      ...(this.sessionizer ? { failedBatchesQueueUrl: this.sessionizer.failedBatches.url } : {}),
      alarmTopicArn: this.alarmTopicArn,
      simulatorCommand: this.simulatorCommand,
    });
  }

  private createStream(name: string): aws.kinesis.Stream {
    const { stream } = this.config;
    const metrics = stream.shardLevelMetrics.includes("ALL")
      ? everyShardLevelMetric
      : stream.shardLevelMetrics;
    return new aws.kinesis.Stream(
      `${name}-stream`,
      {
        name: this.config.names.stream,
        streamModeDetails: {
          streamMode: stream.mode === "on-demand" ? "ON_DEMAND" : "PROVISIONED",
        },
        shardCount: stream.shardCount,
        // At least 24 h (validated in config): after a restart KDA rebuilds the 24 h session window
        // only from records the stream still holds. Retention beyond 24 h costs extra:
        // https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html
        retentionPeriod: stream.retentionHours,
        encryptionType: "KMS",
        kmsKeyId: stream.kmsKey,
        shardLevelMetrics: metrics.length > 0 ? [...metrics] : undefined,
        tags: this.tags,
      },
      { parent: this },
    );
  }

  private createTables(name: string): Tables {
    const table = (part: string, tableName: string, shape: TableShape): aws.dynamodb.Table =>
      new aws.dynamodb.Table(
        `${name}-${part}`,
        {
          name: tableName,
          billingMode: "PAY_PER_REQUEST",
          hashKey: shape.hashKey.name,
          rangeKey: shape.rangeKey?.name,
          attributes: [shape.hashKey, ...(shape.rangeKey ? [shape.rangeKey] : [])].map((k) => ({
            name: k.name,
            type: k.type,
          })),
          pointInTimeRecovery: { enabled: true },
          // Encrypted with the AWS-managed key (aws/dynamodb) rather than the AWS-owned default,
          // so key use shows in CloudTrail.
          serverSideEncryption: { enabled: true },
          deletionProtectionEnabled: this.config.tables.deletionProtection,
          tags: this.tags,
        },
        { parent: this },
      );
    return {
      sessions: table("sessions", this.config.names.sessionsTable, sessionsTableShape),
      deadLetters: table("dead-letters", this.config.names.deadLetterTable, deadLetterTableShape),
      ...(this.config.engine === "lambda"
        ? { state: table("state", this.config.names.stateTable, stateTableShape) }
        : {}),
    };
  }

  private createDeliveryFunction(name: string): aws.lambda.Function {
    return this.createFunction(name, {
      description:
        "Writes the SQL application's sessions to DynamoDB and its error rows to the dead-letter table",
      roleDescription: "write sessions and dead letters and its own logs",
      policyName: "write-sessions",
      policy: (logStreamsArn) =>
        functionPolicy({
          sessionsTableArn: this.tables.sessions.arn,
          deadLetterTableArn: this.tables.deadLetters.arn,
          logStreamsArn,
        }),
      files: {
        "index.js": new pulumi.asset.StringAsset(bundleHandler(deliveryHandlerEntry)),
      },
      environment: {
        [handlerEnvironment.sessionsTable]: this.tables.sessions.name,
        [handlerEnvironment.deadLetterTable]: this.tables.deadLetters.name,
      },
    });
  }

  private createSessionizerFunction(
    name: string,
    failedBatches: aws.sqs.Queue,
  ): aws.lambda.Function {
    const { stream, region } = this.config;
    const state = this.tables.state!;
    return this.createFunction(name, {
      description:
        "Runs sql/sessionize.sql over the Kinesis stream with the bundled harness (window state in " +
        "DynamoDB) and writes sessions and error rows like the KDA delivery function",
      roleDescription: "read the stream, keep window state, write sessions and dead letters, log",
      policyName: "sessionize-stream",
      policy: (logStreamsArn) =>
        sessionizerPolicy<pulumi.Input<string>>({
          streamArn: this.stream.arn,
          // The AWS-managed key's policy already lets Kinesis decrypt for readers of the stream.
          streamKeyArn: stream.kmsKey === awsManagedKinesisKey ? undefined : stream.kmsKey,
          region,
          sessionsTableArn: this.tables.sessions.arn,
          deadLetterTableArn: this.tables.deadLetters.arn,
          stateTableArn: state.arn,
          failedBatchesQueueArn: failedBatches.arn,
          logStreamsArn,
        }),
      files: {
        "index.js": new pulumi.asset.StringAsset(bundleHandler(sessionizerHandlerEntry)),
        // The handler reads the SQL from beside the bundle at cold start: the very file the tests
        // run, as text so the plan is the same in any checkout.
        "sessionize.sql": new pulumi.asset.StringAsset(readSessionizeSql()),
      },
      environment: {
        [handlerEnvironment.sessionsTable]: this.tables.sessions.name,
        [handlerEnvironment.deadLetterTable]: this.tables.deadLetters.name,
        [handlerEnvironment.stateTable]: state.name,
      },
    });
  }

  private createFunction(name: string, spec: FunctionSpec): aws.lambda.Function {
    const { names } = this.config;
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-function-logs`,
      {
        name: `/aws/lambda/${names.function}`,
        retentionInDays: this.config.logRetentionDays,
        tags: this.tags,
      },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-function-role`,
      {
        name: `${names.prefix}-function-role`,
        description: `Lets ${names.function} ${spec.roleDescription}`,
        assumeRolePolicy: trustPolicy(servicePrincipals.lambda),
        tags: this.tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-function-policy`,
      {
        name: spec.policyName,
        role: role.name,
        policy: spec.policy(logGroup.arn.apply(logStreamsArnOf)),
      },
      { parent: this },
    );
    return new aws.lambda.Function(
      `${name}-function`,
      {
        name: names.function,
        description: spec.description,
        role: role.arn,
        runtime: "nodejs22.x",
        // Plain JavaScript with no native modules, so Graviton's lower price costs nothing.
        architectures: ["arm64"],
        handler: "index.handler",
        code: new pulumi.asset.AssetArchive(spec.files),
        // The lab raises the 3 s default to 1 minute: KDA waits for each batch to be answered.
        timeout: this.config.function.timeoutSeconds,
        memorySize: this.config.function.memoryMb,
        environment: { variables: spec.environment },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        tags: this.tags,
      },
      // The policy first, so the very first invocation can already write (and, for the
      // sessionizer, so the event source mapping finds the stream readable when it is created).
      { parent: this, dependsOn: [policy] },
    );
  }

  /**
   * Where the event source mapping sends a batch it gives up on (after `maximumRetryAttempts` or
   * `maximumRecordAgeSeconds`): the batch's shard and sequence range, to replay from the stream.
   * Kept 14 days, SQS's longest.
   */
  private createFailedBatchesQueue(name: string): aws.sqs.Queue {
    return new aws.sqs.Queue(
      `${name}-failed-batches`,
      {
        name: this.config.names.failedBatchesQueue,
        messageRetentionSeconds: 1_209_600,
        sqsManagedSseEnabled: true,
        tags: this.tags,
      },
      { parent: this },
    );
  }

  /**
   * The stream -> sessionizer wiring. `parallelizationFactor: 1` means one batch per shard in flight,
   * so a shard's records are applied in order (the SQL's windows depend on it); partial batch
   * responses let the function name the record to retry from:
   * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html
   */
  private createEventSourceMapping(
    name: string,
    failedBatches: aws.sqs.Queue,
  ): aws.lambda.EventSourceMapping {
    const settings = this.config.eventSource;
    return new aws.lambda.EventSourceMapping(
      `${name}-event-source`,
      {
        eventSourceArn: this.stream.arn,
        functionName: this.function.arn,
        startingPosition: eventSourceStartingPositions[this.config.application.startingPosition],
        enabled: this.config.application.start,
        batchSize: settings.batchSize,
        maximumBatchingWindowInSeconds: settings.maximumBatchingWindowSeconds,
        parallelizationFactor: 1,
        functionResponseTypes: ["ReportBatchItemFailures"],
        bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
        maximumRecordAgeInSeconds: settings.maximumRecordAgeSeconds,
        maximumRetryAttempts: settings.maximumRetryAttempts,
        destinationConfig: { onFailure: { destinationArn: failedBatches.arn } },
        tags: this.tags,
      },
      { parent: this },
    );
  }

  private createSqlApplication(name: string): aws.kinesis.AnalyticsApplication {
    const { names, stream, region } = this.config;
    // Deprecated resource, on purpose: see kdaSqlEndOfLifeWarning (engine `lambda` runs today).
    void pulumi.log.warn(kdaSqlEndOfLifeWarning, this);

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-application-logs`,
      {
        name: `/aws/kinesis-analytics/${names.application}`,
        retentionInDays: this.config.logRetentionDays,
        tags: this.tags,
      },
      { parent: this },
    );
    const logStream = new aws.cloudwatch.LogStream(
      `${name}-application-log-stream`,
      { name: "application", logGroupName: logGroup.name },
      { parent: this },
    );
    const role = new aws.iam.Role(
      `${name}-application-role`,
      {
        name: `${names.prefix}-application-role`,
        description: `Lets ${names.application} read ${names.stream}, invoke ${names.function} and log`,
        assumeRolePolicy: trustPolicy(servicePrincipals.analytics),
        tags: this.tags,
      },
      { parent: this },
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-application-policy`,
      {
        name: "read-stream-invoke-function",
        role: role.name,
        policy: applicationPolicy<pulumi.Input<string>>({
          streamArn: this.stream.arn,
          // The AWS-managed key's policy already lets Kinesis decrypt for readers of the stream.
          streamKeyArn: stream.kmsKey === awsManagedKinesisKey ? undefined : stream.kmsKey,
          region,
          functionArn: this.function.arn,
          logStreamArn: logStream.arn,
        }),
      },
      { parent: this },
    );

    const lambdaDestination = {
      lambda: { resourceArn: this.function.arn, roleArn: role.arn },
      schema: { recordFormatType: "JSON" },
    };
    return new aws.kinesis.AnalyticsApplication(
      `${name}-application`,
      {
        name: names.application,
        description: "The lab's clickstream sessionizer (sql/sessionize.sql)",
        code: readSessionizeSql(),
        inputs: {
          namePrefix: clickInputSchema.namePrefix,
          kinesisStream: { resourceArn: this.stream.arn, roleArn: role.arn },
          schema: {
            recordColumns: clickInputSchema.columns.map((c) => ({
              name: c.name,
              sqlType: c.sqlType,
              mapping: c.mapping,
            })),
            recordEncoding: clickInputSchema.recordEncoding,
            recordFormat: {
              recordFormatType: clickInputSchema.recordFormat,
              mappingParameters: { json: { recordRowPath: clickInputSchema.recordRowPath } },
            },
          },
          startingPositionConfigurations: [
            { startingPosition: this.config.application.startingPosition },
          ],
        },
        // KDA outputs can target a Lambda function, a stream or a Firehose (the role needs
        // lambda:InvokeFunction on the function, see policies.ts). error_stream goes to the
        // same function as the sessions: it recognises error rows by their columns and files them in
        // the dead-letter table, so no second destination (and no extra cost) is needed.
        outputs: deliveredStreams.map((streamName) => ({ name: streamName, ...lambdaDestination })),
        cloudwatchLoggingOptions: { logStreamArn: logStream.arn, roleArn: role.arn },
        startApplication: this.config.application.start,
        tags: this.tags,
      },
      // KDA checks at creation that the role can read the stream and invoke the function.
      { parent: this, dependsOn: [policy] },
    );
  }

  private createAlarms(name: string): pulumi.Output<string> | undefined {
    const { alarms, names } = this.config;
    let topicArn: pulumi.Output<string> | undefined;
    if (alarms.topic.kind === "create") {
      topicArn = new aws.sns.Topic(
        `${name}-alarms`,
        { name: `${names.prefix}-alarms`, tags: this.tags },
        { parent: this },
      ).arn;
    } else if (alarms.topic.kind === "existing") {
      topicArn = pulumi.output(alarms.topic.arn);
    }
    const actions = topicArn === undefined ? [] : [topicArn];

    const alarm = (
      part: string,
      description: string,
      metric: {
        namespace: string;
        metricName: string;
        statistic: "Sum" | "Maximum";
        dimensions: Record<string, pulumi.Input<string>>;
        threshold: number;
      },
      logicalName = `${name}-${part}`,
      aliases: pulumi.Alias[] = [],
    ): aws.cloudwatch.MetricAlarm =>
      new aws.cloudwatch.MetricAlarm(
        logicalName,
        {
          name: `${names.prefix}-${part}`,
          alarmDescription: description,
          ...metric,
          comparisonOperator: "GreaterThanThreshold",
          period: 300,
          evaluationPeriods: 1,
          // No data means no traffic, not a failure.
          treatMissingData: "notBreaching",
          alarmActions: actions,
          okActions: actions,
          tags: this.tags,
        },
        { parent: this, aliases },
      );

    const lambdaEngine = this.config.engine === "lambda";
    alarm(
      "function-errors",
      lambdaEngine
        ? "The sessionizer failed; the event source mapping retries the batch"
        : "The delivery function failed; KDA retries the batch forever",
      {
        namespace: "AWS/Lambda",
        metricName: "Errors",
        statistic: "Sum",
        dimensions: { FunctionName: this.function.name },
        threshold: alarms.functionErrors,
      },
    );
    alarm(
      "function-throttles",
      `The ${lambdaEngine ? "sessionizer" : "delivery"} function was throttled`,
      {
        namespace: "AWS/Lambda",
        metricName: "Throttles",
        statistic: "Sum",
        dimensions: { FunctionName: this.function.name },
        threshold: alarms.functionThrottles,
      },
    );
    alarm("stream-iterator-age", "A reader of the stream is falling behind", {
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.IteratorAgeMilliseconds",
      statistic: "Maximum",
      dimensions: { StreamName: this.stream.name },
      threshold: alarms.iteratorAgeMs,
    });
    const application = this.application;
    if (application) {
      // KDA SQL metrics are per application, flow and input id (the id KDA assigned, e.g. "1.1"):
      // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/monitoring-metrics.html
      alarm("application-behind", "The SQL application reads the stream late", {
        namespace: "AWS/KinesisAnalytics",
        metricName: "MillisBehindLatest",
        statistic: "Maximum",
        dimensions: {
          Application: application.name,
          Flow: "Input",
          Id: application.inputs.apply((i) => i?.id ?? ""),
        },
        threshold: alarms.millisBehindLatestMs,
      });
    }
    if (this.sessionizer) {
      // IteratorAge of an event source mapping: how old the last record of a batch was when the
      // function got it; it grows while batches keep failing and are retried.
      alarm(
        "function-iterator-age",
        "The sessionizer falls behind the stream (or keeps retrying)",
        {
          namespace: "AWS/Lambda",
          metricName: "IteratorAge",
          statistic: "Maximum",
          dimensions: { FunctionName: this.function.name },
          threshold: alarms.iteratorAgeMs,
        },
      );
      // Logically named apart from the queue (`<name>-failed-batches`), which it once shared a name
      // with; the alias keeps the deployed alarm. Its physical name stays `<prefix>-failed-batches`.
      alarm(
        "failed-batches",
        "The event source mapping gave up on a batch: replay it",
        {
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          statistic: "Maximum",
          dimensions: { QueueName: this.sessionizer.failedBatches.name },
          threshold: alarms.failedBatches,
        },
        `${name}-failed-batches-alarm`,
        [{ name: `${name}-failed-batches` }],
      );
    }
    // WriteThrottleEvents counts throttled writes of every operation (BatchWriteItem, PutItem), so
    // the alarm holds whichever call the handler uses.
    const throttled: [string, aws.dynamodb.Table][] = [
      ["sessions-throttles", this.tables.sessions],
      ["dead-letters-throttles", this.tables.deadLetters],
    ];
    if (this.tables.state) throttled.push(["state-throttles", this.tables.state]);
    for (const [part, table] of throttled) {
      alarm(part, "Writes to the table are throttled", {
        namespace: "AWS/DynamoDB",
        metricName: "WriteThrottleEvents",
        statistic: "Sum",
        dimensions: { TableName: table.name },
        threshold: alarms.tableThrottles,
      });
    }
    return topicArn;
  }
}
