/**
 * The lab's clickstream-sessionization pipeline as one component: what every engine shares (the
 * Kinesis stream, the sessions and dead-letter tables, the alarm topic and their alarms), and one
 * child component for the engine that runs `sql/sessionize.sql` (config `engine`), picked from
 * `engineStrategies` (infra/engines/). docs/architecture.md draws the component tree.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deadLetterTableShape, sessionsTableShape } from "../sql/contracts";
import { type AlarmSettings, createAlarms, tableThrottlesAlarm } from "./alarms";
import { type PipelineConfig, shardLevelMetricNames } from "./config";
import type { EngineComponent, SharedResources } from "./engines/engine";
import { createEngine } from "./engines";
import { consoleLinks, type ConsoleLinks, putRecordCommand, simulatorCommand } from "./outputs";
import { createTable, dataOptions } from "./tables";

/** The component's type token: `<project>:<module>:<Type>`. */
export const pipelineType = "clickstream-sessionizer:pipeline:Pipeline";

/** Arguments of {@link Pipeline}. */
export interface PipelineArgs {
  readonly config: PipelineConfig;
}

// Every metric `ALL` stands for: listed explicitly because the API reports them one by one, and a
// literal "ALL" would show as a change on every refresh.
const everyShardLevelMetric = shardLevelMetricNames.filter((m) => m !== "ALL");

/**
 * The lab's pipeline. Children (the engine's component included) are named `<name>-<part>` or, for
 * the engine, `<name>`, and parented to the component; physical names come from the validated config.
 * The AWS provider is the caller's (`providers` in `opts`), inherited by every child.
 */
export class Pipeline extends pulumi.ComponentResource {
  readonly stream: aws.kinesis.Stream;
  readonly sessionsTable: aws.dynamodb.Table;
  readonly deadLetterTable: aws.dynamodb.Table;
  /** The engine's component (config `engine`), which owns the engine's resources and alarms. */
  readonly engine: EngineComponent;
  /** The region the stack deploys to, as its AWS provider answers. */
  readonly region: pulumi.Output<string>;
  /** The topic alarms notify; undefined when alarms notify nobody (config `alarmTopic: none`). */
  readonly alarmTopicArn?: pulumi.Output<string>;
  /** Where to look at the stack in the AWS console. */
  readonly consoleLinks: pulumi.Output<ConsoleLinks>;
  /** An `aws kinesis put-record` command that sends one click to the stream, from any shell. */
  readonly putRecordCommand: pulumi.Output<string>;
  /** A command that sends the lab's simulated clicks to the stream, from a checkout. */
  readonly simulatorCommand: pulumi.Output<string>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(pipelineType, name, {}, opts);
    const { config } = args;
    const { names } = config;
    const child = { parent: this };

    this.region = aws.getRegionOutput({}, child).region;
    this.stream = this.createStream(name, config);
    this.sessionsTable = createTable(
      `${name}-sessions`,
      names.sessionsTable,
      sessionsTableShape,
      config,
      child,
    );
    this.deadLetterTable = createTable(
      `${name}-dead-letters`,
      names.deadLetterTable,
      deadLetterTableShape,
      config,
      child,
    );
    const shared: SharedResources = {
      stream: this.stream,
      sessionsTable: this.sessionsTable,
      deadLetterTable: this.deadLetterTable,
      region: this.region,
    };
    this.alarmTopicArn = this.createAlarmTopic(name, config);
    const alarms: AlarmSettings = {
      prefix: names.prefix,
      actions: this.alarmTopicArn === undefined ? [] : [this.alarmTopicArn],
    };

    this.engine = createEngine(config.engine, name, { config, shared, alarms }, child);

    const { iteratorAgeMs, tableThrottles } = config.alarms;
    createAlarms(
      name,
      [
        {
          part: "stream-iterator-age",
          description: "A reader of the stream is falling behind",
          namespace: "AWS/Kinesis",
          metricName: "GetRecords.IteratorAgeMilliseconds",
          statistic: "Maximum",
          dimensions: { StreamName: this.stream.name },
          threshold: iteratorAgeMs,
        },
        tableThrottlesAlarm("sessions-throttles", this.sessionsTable, tableThrottles),
        tableThrottlesAlarm("dead-letters-throttles", this.deadLetterTable, tableThrottles),
      ],
      alarms,
      child,
    );

    const where = {
      region: this.region,
      stream: this.stream.name,
      function: this.engine.outputs.functionName,
      flinkApplication: this.engine.flinkApplicationName,
      sessionsTable: this.sessionsTable.name,
      deadLetterTable: this.deadLetterTable.name,
    };
    this.consoleLinks = pulumi.output(where).apply(consoleLinks);
    this.putRecordCommand = pulumi.output(where).apply(putRecordCommand);
    this.simulatorCommand = pulumi.output(where).apply(simulatorCommand);

    this.registerOutputs({
      engine: config.engine,
      region: this.region,
      streamName: this.stream.name,
      streamArn: this.stream.arn,
      sessionsTableName: this.sessionsTable.name,
      deadLetterTableName: this.deadLetterTable.name,
      ...this.engine.outputs,
      ...(this.alarmTopicArn === undefined ? {} : { alarmTopicArn: this.alarmTopicArn }),
      consoleLinks: this.consoleLinks,
      putRecordCommand: this.putRecordCommand,
      simulatorCommand: this.simulatorCommand,
    });
  }

  private createStream(name: string, config: PipelineConfig): aws.kinesis.Stream {
    const { stream } = config;
    const metrics = stream.shardLevelMetrics.includes("ALL")
      ? everyShardLevelMetric
      : stream.shardLevelMetrics;
    return new aws.kinesis.Stream(
      `${name}-stream`,
      {
        name: config.names.stream,
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
      },
      dataOptions(config, { parent: this }),
    );
  }

  /**
   * The topic every alarm notifies (config `alarmTopic`): a new one (auto-named), a new one that
   * mails an address (SNS sends a confirmation mail first; until it is confirmed nothing is
   * delivered), an existing one, or none.
   */
  private createAlarmTopic(
    name: string,
    config: PipelineConfig,
  ): pulumi.Output<string> | undefined {
    const { topic } = config.alarms;
    if (topic.kind === "create" || topic.kind === "email") {
      const created = new aws.sns.Topic(`${name}-alarms`, {}, { parent: this });
      if (topic.kind === "email") {
        new aws.sns.TopicSubscription(
          `${name}-alarms-email`,
          { topic: created.arn, protocol: "email", endpoint: topic.address },
          { parent: this },
        );
      }
      return created.arn;
    }
    return topic.kind === "existing" ? pulumi.output(topic.arn) : undefined;
  }
}
