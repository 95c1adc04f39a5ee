/**
 * Which inputs force a replacement, per resource type the program creates: a change of any of them
 * makes `pulumi up` create a new resource and delete the old one (ForceNew in the Terraform provider
 * that @pulumi/aws bridges). One table, each type with the provider source it was read from, for
 * whatever needs to tell a replacement from an update offline (the collision test, the plan diff).
 */

/** The replacing inputs of one resource type, and where that is written. */
export interface ReplacingInputs {
  /** Top-level input names (as Pulumi spells them) whose change forces a replacement. */
  readonly inputs: readonly string[];
  /** The provider source that marks them ForceNew (or, for the provider, replaces its resources). */
  readonly source: string;
}

const tf = "https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service";

/** The replacing inputs of every resource type the program creates. */
export const replacingInputs: Readonly<Record<string, ReplacingInputs>> = {
  "aws:kinesis/stream:Stream": {
    inputs: ["name"],
    source: `${tf}/kinesis/stream.go`,
  },
  "aws:kinesis/analyticsApplication:AnalyticsApplication": {
    inputs: ["name"],
    source: `${tf}/kinesisanalytics/application.go`,
  },
  "aws:dynamodb/table:Table": {
    inputs: [
      "name",
      "hashKey",
      "rangeKey",
      "localSecondaryIndexes",
      "restoreSourceName",
      "restoreDateTime",
      "restoreToLatestTime",
    ],
    source: `${tf}/dynamodb/table.go`,
  },
  "aws:lambda/function:Function": {
    inputs: ["name", "packageType"],
    source: `${tf}/lambda/function.go`,
  },
  "aws:lambda/eventSourceMapping:EventSourceMapping": {
    inputs: [
      "eventSourceArn",
      "startingPosition",
      "startingPositionTimestamp",
      "topics",
      "queues",
      "selfManagedEventSource",
      "selfManagedKafkaEventSourceConfig",
      "amazonManagedKafkaEventSourceConfig",
    ],
    source: `${tf}/lambda/event_source_mapping.go`,
  },
  "aws:sqs/queue:Queue": {
    inputs: ["name", "namePrefix", "fifoQueue"],
    source: `${tf}/sqs/queue.go`,
  },
  "aws:sns/topic:Topic": {
    inputs: ["name", "namePrefix", "fifoTopic"],
    source: `${tf}/sns/topic.go`,
  },
  "aws:iam/role:Role": {
    inputs: ["name", "namePrefix", "path"],
    source: `${tf}/iam/role.go`,
  },
  "aws:iam/rolePolicy:RolePolicy": {
    inputs: ["name", "namePrefix", "role"],
    source: `${tf}/iam/role_policy.go`,
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    inputs: ["name", "namePrefix", "logGroupClass"],
    source: `${tf}/logs/group.go`,
  },
  "aws:cloudwatch/logStream:LogStream": {
    inputs: ["name", "logGroupName"],
    source: `${tf}/logs/stream.go`,
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    inputs: ["name"],
    source: `${tf}/cloudwatch/metric_alarm.go`,
  },
  // A new region replaces every resource the provider manages (pulumi/pulumi-aws#4000).
  "pulumi:providers:aws": {
    inputs: ["region"],
    source: "https://github.com/pulumi/pulumi-aws/pull/4000",
  },
};
