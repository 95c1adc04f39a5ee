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
import { engineStrategies } from "./engines";
import { createTable } from "./tables";

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
 */
export class Pipeline extends pulumi.ComponentResource {
  readonly stream: aws.kinesis.Stream;
  readonly sessionsTable: aws.dynamodb.Table;
  readonly deadLetterTable: aws.dynamodb.Table;
  /** The engine's component (config `engine`), which owns the engine's resources and alarms. */
  readonly engine: EngineComponent;
  /** The topic alarms notify, or `none`. */
  readonly alarmTopicArn: pulumi.Output<string>;
  /** A command that sends the lab's simulated clicks to this stack's stream. */
  readonly simulatorCommand: pulumi.Output<string>;

  constructor(name: string, args: PipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(pipelineType, name, {}, opts);
    const { config } = args;
    const { names } = config;
    const child = { parent: this };

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
    };
    const topicArn = this.createAlarmTopic(name, config);
    const alarms: AlarmSettings = {
      prefix: names.prefix,
      actions: topicArn === undefined ? [] : [topicArn],
      tags: config.tags,
    };

    this.engine = engineStrategies[config.engine](name, { config, shared, alarms }, child);

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

    this.alarmTopicArn = topicArn ?? pulumi.output("none");
    this.simulatorCommand = pulumi.interpolate`npm run simulate -- --stream ${this.stream.name} --region ${config.region}`;

    this.registerOutputs({
      engine: config.engine,
      streamName: this.stream.name,
      streamArn: this.stream.arn,
      sessionsTableName: this.sessionsTable.name,
      deadLetterTableName: this.deadLetterTable.name,
      ...this.engine.outputs,
      alarmTopicArn: this.alarmTopicArn,
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
        tags: config.tags,
      },
      { parent: this },
    );
  }

  /**
   * The topic every alarm notifies (config `alarmTopic`): a new one, a new one that mails an address
   * (SNS sends a confirmation mail first; until it is confirmed nothing is delivered), an existing
   * one, or none.
   */
  private createAlarmTopic(
    name: string,
    config: PipelineConfig,
  ): pulumi.Output<string> | undefined {
    const { topic } = config.alarms;
    if (topic.kind === "create" || topic.kind === "email") {
      const created = new aws.sns.Topic(
        `${name}-alarms`,
        { name: `${config.names.prefix}-alarms`, tags: config.tags },
        { parent: this },
      );
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
