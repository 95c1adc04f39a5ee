/**
 * What a change of each resource type does beyond an update: the inputs whose change makes Pulumi
 * replace the resource (create a new one, delete the old one), and what the resource holds that a
 * replacement or a deletion loses. One table for every type the program creates, for whatever needs
 * to tell a replacement from an update offline (the plan diff, the collision test of
 * test/infra/replacements.ts); the tests fail for a type the program creates that is missing here.
 *
 * `@pulumi/aws` is bridged from terraform-provider-aws: an input forces a replacement where the
 * Terraform schema marks its attribute `ForceNew` (Pulumi shows it as `+-` ... `(replace)`). Each
 * entry links the provider source that holds its schema; Pulumi's input names are the schema's in
 * camel case (`hash_key` -> `hashKey`, `alarm_name` -> `name`).
 */

/** The replacing inputs of one resource type, and what it holds. */
export interface ReplacingInputs {
  /**
   * Input paths whose change forces a replacement: a top-level input (`name`) covers everything
   * under it (`localSecondaryIndexes[0].name`).
   */
  readonly inputs: readonly string[];
  /** What the resource holds that its deletion loses (`items`); absent when it holds no data. */
  readonly holds?: string;
  /** The provider source (or documentation) the list is taken from. */
  readonly source: string;
}

const tf = (file: string): string =>
  `https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/${file}`;

/**
 * Every resource type the program creates (with either engine, and the alarm topic), by type token.
 *
 * Log groups are left without `holds` on purpose: their events are diagnostics that expire after
 * `logRetentionDays` anyway, and a warning on every function rename would teach reviewers to skim
 * past the warnings that matter (sessions, records, failed batches).
 */
export const replacingInputs: Readonly<Record<string, ReplacingInputs>> = {
  "aws:kinesis/stream:Stream": {
    inputs: ["name"],
    holds: "records (up to retentionHours of clicks not yet read)",
    source: tf("kinesis/stream.go"),
  },
  "aws:dynamodb/table:Table": {
    inputs: [
      "name",
      "hashKey",
      "rangeKey",
      "localSecondaryIndexes",
      "restoreSourceName",
      "restoreSourceTableArn",
      "restoreDateTime",
      "restoreToLatestTime",
      "importTable",
    ],
    holds: "items",
    source: tf("dynamodb/table.go"),
  },
  "aws:sqs/queue:Queue": {
    inputs: ["name", "namePrefix", "fifoQueue"],
    holds: "messages (the failed batches waiting to be replayed)",
    source: tf("sqs/queue.go"),
  },
  // The program's one bucket is engine flink's code bucket: it holds only JARs the program rebuilds
  // from the checkout, so a replacement loses nothing (and `forceDestroy` lets it be emptied).
  "aws:s3/bucket:Bucket": {
    inputs: ["bucket", "bucketPrefix"],
    source: tf("s3/bucket.go"),
  },
  "aws:s3/bucketV2:BucketV2": {
    inputs: ["bucket", "bucketPrefix"],
    holds: "objects",
    source: tf("s3/bucket.go"),
  },
  // The code bucket's settings (engine flink).
  "aws:s3/bucketVersioning:BucketVersioning": {
    inputs: ["bucket", "expectedBucketOwner"],
    source: tf("s3/bucket_versioning.go"),
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    inputs: ["bucket", "expectedBucketOwner"],
    source: tf("s3/bucket_server_side_encryption_configuration.go"),
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    inputs: ["bucket"],
    source: tf("s3/bucket_public_access_block.go"),
  },
  // A new key is a new object; the program gives each JAR (each content hash) its own resource.
  "aws:s3/bucketObjectv2:BucketObjectv2": {
    inputs: ["bucket", "key"],
    source: tf("s3/object.go"),
  },
  "aws:lambda/function:Function": {
    inputs: ["name", "packageType"],
    source: tf("lambda/function.go"),
  },
  "aws:lambda/eventSourceMapping:EventSourceMapping": {
    inputs: [
      "eventSourceArn",
      "startingPosition",
      "startingPositionTimestamp",
      "selfManagedEventSource",
      "topics",
      "queues",
      "amazonManagedKafkaEventSourceConfig",
      "selfManagedKafkaEventSourceConfig",
    ],
    source: tf("lambda/event_source_mapping.go"),
  },
  "aws:iam/role:Role": {
    inputs: ["name", "namePrefix", "path"],
    source: tf("iam/role.go"),
  },
  "aws:iam/rolePolicy:RolePolicy": {
    inputs: ["name", "namePrefix", "role"],
    source: tf("iam/role_policy.go"),
  },
  "aws:iam/policy:Policy": {
    inputs: ["name", "namePrefix", "path", "description"],
    source: tf("iam/policy.go"),
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    inputs: ["name", "namePrefix", "logGroupClass"],
    source: tf("logs/group.go"),
  },
  "aws:cloudwatch/logStream:LogStream": {
    inputs: ["name", "logGroupName"],
    source: tf("logs/stream.go"),
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    inputs: ["name"],
    source: tf("cloudwatch/metric_alarm.go"),
  },
  "aws:sns/topic:Topic": {
    inputs: ["name", "namePrefix", "fifoTopic"],
    source: tf("sns/topic.go"),
  },
  // The email subscription of alarmTopic <address>: another address, protocol or topic is a new
  // subscription (and a new confirmation mail).
  "aws:sns/topicSubscription:TopicSubscription": {
    inputs: ["topic", "protocol", "endpoint"],
    source: tf("sns/topic_subscription.go"),
  },
  "aws:kinesis/analyticsApplication:AnalyticsApplication": {
    inputs: ["name"],
    source: tf("kinesisanalytics/application.go"),
  },
  // A Flink application's runtime, code, properties and role are updated in place
  // (UpdateApplication); a new name, description or mode replaces it, and the replacement starts
  // without the old application's snapshots.
  "aws:kinesisanalyticsv2/application:Application": {
    inputs: ["name", "description", "applicationMode"],
    holds: "snapshots (the Flink job's open sessions and stream positions)",
    source: tf("kinesisanalyticsv2/application.go"),
  },
  // pulumi-aws 7 no longer replaces the provider, nor cascades a replacement to its resources,
  // when its region changes (pulumi/pulumi-aws#5656): the provider is updated, and each regional
  // resource is replaced through its own `region` input ({@link regionalInput}).
  "pulumi:providers:aws": {
    inputs: [],
    source: "https://github.com/pulumi/pulumi-aws/pull/5656",
  },
};

/**
 * The input every regional resource of pulumi-aws 7 has: the region it lives in, the provider's
 * unless the resource sets its own (terraform-provider-aws 6, "Enhanced Region Support"). The
 * provider fills it in when the program leaves it out, so a new region in the provider's config
 * changes it on every regional resource, and a resource cannot move to another region in place.
 */
export const regionalInput = "region";

/**
 * Whether resources of `type` are regional, so have {@link regionalInput}: every AWS type the
 * program creates but IAM's, which is global.
 * (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support)
 */
export function isRegional(type: string): boolean {
  return type.startsWith("aws:") && !type.startsWith("aws:iam/");
}

/**
 * Types that are never replaced by an input change: the stack and the program's own components
 * (a component has no cloud resource; its children are diffed one by one).
 */
export function isLogicalOnly(type: string): boolean {
  return type === "pulumi:pulumi:Stack" || !/^(aws|pulumi:providers):/.test(type);
}

/** Whether the input at `path` (`localSecondaryIndexes[0].name`) is `input` or lies under it. */
export function isUnder(path: string, input: string): boolean {
  return path === input || path.startsWith(`${input}.`) || path.startsWith(`${input}[`);
}

/**
 * The inputs among `changedPaths` that force `type` to be replaced, each named once, in the
 * table's order; none for a type without a rule.
 *
 * `forcingInputs("aws:dynamodb/table:Table", ["name", "tags.env"])` -> `["name"]`
 */
export function forcingInputs(type: string, changedPaths: readonly string[]): string[] {
  const rule = replacingInputs[type];
  const inputs = [...(rule?.inputs ?? []), ...(isRegional(type) ? [regionalInput] : [])];
  return inputs.filter((input) => changedPaths.some((path) => isUnder(path, input)));
}
