/**
 * The stack's configuration: the only module that touches `pulumi.Config`. It reads every documented
 * key of `Pulumi.yaml`, validates all of them at once and returns one typed object, so the rest of the
 * program never sees a raw string and a bad stack file fails before any resource is planned.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  defaultSqlApplication,
  sqlApplicationNames,
  type SqlApplicationName,
} from "../sql/applications";
import { derivedNamePrefix, maxNamePrefixLength, namePrefixPattern } from "./names";

/** The project name: the namespace of every config key (`clickstream-sessionizer:streamName`). */
export const projectName = "clickstream-sessionizer";

/** Kinesis stream capacity modes. */
export const streamModes = ["provisioned", "on-demand"] as const;
export type StreamMode = (typeof streamModes)[number];

/** Where the SQL application starts reading the stream (KDA `InputStartingPosition`). */
export const startingPositions = ["NOW", "TRIM_HORIZON", "LAST_STOPPED_POINT"] as const;
export type StartingPosition = (typeof startingPositions)[number];

/** Enhanced (shard-level) metrics Kinesis can publish; `ALL` enables every one of them. */
export const shardLevelMetricNames = [
  "ALL",
  "IncomingBytes",
  "IncomingRecords",
  "OutgoingBytes",
  "OutgoingRecords",
  "WriteProvisionedThroughputExceeded",
  "ReadProvisionedThroughputExceeded",
  "IteratorAgeMilliseconds",
] as const;
export type ShardLevelMetric = (typeof shardLevelMetricNames)[number];

/** Retention periods CloudWatch Logs accepts, in days. */
export const logRetentionDayValues = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/**
 * What runs `sql/sessionize.sql` against the stream: `kda-sql`, the lab's Kinesis Data Analytics SQL
 * application (ended by AWS on 2026-01-27, kept for the lab and for planning), `lambda`, the
 * sessionizer Lambda behind an event source mapping with its window state in DynamoDB, or `flink`,
 * the SQL translated to Flink SQL and run by flink-runner on Amazon Managed Service for Apache Flink.
 */
export const engines = ["kda-sql", "lambda", "flink"] as const;
export type Engine = (typeof engines)[number];

/**
 * Managed Service for Apache Flink runtimes the stack may run. Only Flink 1.19: flink-runner is built
 * against Flink 1.19.3 and the AWS connectors 4.3.0-1.19 (flink-runner/pom.xml, docs/flink.md
 * "Versions, and why"), and a JAR runs only on the Flink it was built for. Another runtime is a POM
 * change first, then an entry here.
 */
export const flinkRuntimes = ["FLINK-1_19"] as const;
export type FlinkRuntime = (typeof flinkRuntimes)[number];

/** The AWS-managed KMS key for Kinesis: encryption at no extra setup. */
export const awsManagedKinesisKey = "alias/aws/kinesis";

/**
 * The shortest retention the stream may have. The sessionizing SQL looks back 24 h
 * (`RANGE INTERVAL '24' HOUR PRECEDING`), and after a restart KDA rebuilds a window only from what the
 * stream still holds, so anything shorter silently forgets open sessions.
 */
export const minimumRetentionHours = 24;

/**
 * Keys of the `aws` namespace the program reads. The stack's resources go through an explicit
 * provider (it carries the default tags, see infra/provider.ts), which does not read `aws:*` stack
 * config on its own; any other `aws:` key would be silently ignored, so it is refused instead.
 */
export const awsConfigKeys = ["aws:region", "aws:profile"] as const;

/**
 * Where alarm notifications go: nowhere, a new topic (without subscribers), a new topic that mails
 * `address` (AWS sends a confirmation mail first), or an existing topic.
 */
export type AlarmTopic =
  | { readonly kind: "none" }
  | { readonly kind: "create" }
  | { readonly kind: "email"; readonly address: string }
  | { readonly kind: "existing"; readonly arn: string };

/** Thresholds of the pipeline's alarms (each alarm fires when its metric exceeds the value). */
export interface AlarmThresholds {
  /** Lambda `Errors` (sum over 5 minutes). */
  readonly functionErrors: number;
  /** Lambda `Throttles` (sum over 5 minutes). */
  readonly functionThrottles: number;
  /** Kinesis `GetRecords.IteratorAgeMilliseconds` (maximum over 5 minutes). */
  readonly iteratorAgeMs: number;
  /** KDA `MillisBehindLatest` of the application's input (maximum over 5 minutes). */
  readonly millisBehindLatestMs: number;
  /** DynamoDB `ThrottledRequests` per table (sum over 5 minutes). */
  readonly tableThrottles: number;
  /** Batches in the failed-batches queue (engine `lambda`; maximum over 5 minutes). */
  readonly failedBatches: number;
  /** Items the function wrote to the dead-letter table (its `DeadLetters` metric; sum over 5 minutes). */
  readonly deadLetters: number;
}

/**
 * Physical names of everything the stack creates that someone types: in the console, the CLI, a
 * query. Roles, policies, alarms, queues, topics and log streams are auto-named by Pulumi instead.
 */
export interface PipelineNames {
  /** Prefix of the names below (and of the IAM roles' name prefix). */
  readonly prefix: string;
  readonly stream: string;
  readonly application: string;
  readonly function: string;
  readonly sessionsTable: string;
  readonly deadLetterTable: string;
  /** The sessionizer's window state (engine `lambda` only). */
  readonly stateTable: string;
}

/** How the event source mapping feeds the sessionizer (engine `lambda`). */
export interface EventSourceSettings {
  /** Records per batch, 1 to 10000. */
  readonly batchSize: number;
  /** Seconds to gather records before invoking, 0 to 300. */
  readonly maximumBatchingWindowSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /**
   * Oldest record the mapping still sends, 60 to 604800 s, and at most the stream's retention minus
   * the redrive window.
   */
  readonly maximumRecordAgeSeconds: number;
  /** Retries of a failing batch, -1 (until the record expires) or 0 to 10000. */
  readonly maximumRetryAttempts: number;
}

/** How the Managed Service for Apache Flink application runs (engine `flink`). */
export interface FlinkSettings {
  readonly runtime: FlinkRuntime;
  /** The job's parallelism at start, 1 to 1024. */
  readonly parallelism: number;
  /** Parallel tasks per KPU, 1 to 8: KPUs billed = ceil(parallelism / parallelismPerKpu) + 1. */
  readonly parallelismPerKpu: number;
  /** Whether MSF may raise the parallelism (and the KPUs billed) with the load. */
  readonly autoScaling: boolean;
  /** Milliseconds between checkpoints, 1000 to 3600000. */
  readonly checkpointIntervalMs: number;
  /** Whether MSF takes a snapshot when the application stops or updates, and restores from it. */
  readonly snapshots: boolean;
}

/** The validated configuration of one stack. */
export interface PipelineConfig {
  readonly project: string;
  readonly stack: string;
  /** The region the stack's AWS provider is configured with (`aws:region`). */
  readonly region: string;
  /** The shared-config profile the provider uses (`aws:profile`), if any. */
  readonly awsProfile?: string;
  readonly engine: Engine;
  /** The SQL application the engine runs (`sql/applications.ts`). */
  readonly sqlApplication: SqlApplicationName;
  readonly names: PipelineNames;
  readonly stream: {
    readonly mode: StreamMode;
    /** Set only in provisioned mode. */
    readonly shardCount?: number;
    readonly retentionHours: number;
    /** Hours a failed batch's records must stay in the stream after the mapping gives up on it. */
    readonly redriveWindowHours: number;
    /** `alias/aws/kinesis` or the ARN of a customer-managed key. */
    readonly kmsKey: string;
    readonly shardLevelMetrics: readonly ShardLevelMetric[];
  };
  readonly application: {
    readonly startingPosition: StartingPosition;
    readonly start: boolean;
  };
  readonly function: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
  };
  readonly eventSource: EventSourceSettings;
  readonly flink: FlinkSettings;
  readonly logRetentionDays: number;
  /**
   * Whether the resources that hold data (the stream and every table) are protected: the tables
   * refuse deletion in AWS, and Pulumi refuses to delete or replace any of them.
   */
  readonly deletionProtection: boolean;
  readonly alarms: AlarmThresholds & { readonly topic: AlarmTopic };
  /** The provider's default tags: project and stack, then the stack's `tags`. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Every key this project reads, without the `clickstream-sessionizer:` namespace. */
export const configKeys = [
  "engine",
  "sqlApplication",
  "namePrefix",
  "streamName",
  "applicationName",
  "functionName",
  "sessionsTableName",
  "deadLetterTableName",
  "stateTableName",
  "streamMode",
  "shardCount",
  "retentionHours",
  "redriveWindowHours",
  "streamKmsKey",
  "shardLevelMetrics",
  "startingPosition",
  "startApplication",
  "functionMemoryMb",
  "functionTimeoutSeconds",
  "batchSize",
  "maximumBatchingWindowSeconds",
  "bisectBatchOnFunctionError",
  "maximumRecordAgeSeconds",
  "maximumRetryAttempts",
  "flinkRuntime",
  "flinkParallelism",
  "flinkParallelismPerKpu",
  "flinkAutoScaling",
  "flinkCheckpointIntervalMs",
  "flinkSnapshots",
  "logRetentionDays",
  "deletionProtection",
  "alarmTopic",
  "alarmFunctionErrors",
  "alarmFunctionThrottles",
  "alarmIteratorAgeMs",
  "alarmMillisBehindLatestMs",
  "alarmTableThrottles",
  "alarmFailedBatches",
  "alarmDeadLetters",
  "tags",
] as const;
export type ConfigKey = (typeof configKeys)[number];

/**
 * Thrown when the stack's configuration is invalid; lists every problem at once, one per line, each
 * naming the key, the value and what is allowed.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

/** Raw values as the stack file holds them, keyed by full key (`aws:region`, `<project>:shardCount`). */
export type RawConfig = Readonly<Record<string, string | undefined>>;

/** The stack being configured: derived names start from these. */
export interface StackContext {
  readonly project: string;
  readonly stack: string;
}

const streamNamePattern = /^[a-zA-Z0-9_.-]{1,128}$/;
const functionNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;
const tableNamePattern = /^[a-zA-Z0-9_.-]{3,255}$/;
const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d$/;
const kmsKeyArnPattern = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[a-zA-Z0-9-]+$/;
const snsTopicArnPattern = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,256}$/;
// An address SNS can mail: something@domain.tld, no spaces (SNS confirms it by mail).
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const tagKeyPattern = /^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,128}$/u;

/** Shards of a provisioned stream unless the stack sets `shardCount`: the lab's one. */
export const defaultShardCount = 1;

/**
 * The stack's `tags`: a map of tag name to value, given as JSON (how Pulumi hands the program a map).
 * Reports each bad entry through `bad(value, allowed)`. Names follow AWS's tag rules and may not
 * start with `aws:`; values are strings of at most 256 characters.
 */
function tagMap(
  raw: string | undefined,
  bad: (value: string, allowed: string) => void,
): Record<string, string> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed)) {
    bad(
      raw,
      "must be a map of tag name to value (tags was a list of name=value strings until docs/upgrading.md; write `environment: dev` under tags, or `pulumi config set --path tags.environment dev`)",
    );
    return {};
  }
  if (typeof parsed !== "object" || parsed === null) {
    bad(raw, "must be a map of tag name to value, e.g. {environment: dev}");
    return {};
  }
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(parsed)) {
    if (
      !tagKeyPattern.test(key) ||
      key.toLowerCase().startsWith("aws:") ||
      typeof tagValue !== "string" ||
      tagValue.length > 256
    ) {
      bad(
        JSON.stringify({ [key]: tagValue }),
        "each tag needs a name of 1 to 128 characters not starting with aws: and a string value of at most 256",
      );
    } else {
      tags[key] = tagValue;
    }
  }
  return tags;
}

/**
 * Validates raw config values into a {@link PipelineConfig}; pure, so every rule is testable without
 * Pulumi. Collects all problems before throwing one {@link ConfigError}.
 *
 * `parseConfig({"aws:region": "us-west-2"}, {project: "p", stack: "dev"}).names.stream` -> `"p-dev-stream"`
 *
 * Any stack name Pulumi accepts gives valid names: see {@link derivedNamePrefix}.
 */
export function parseConfig(raw: RawConfig, context: StackContext): PipelineConfig {
  const problems: string[] = [];
  const full = (key: ConfigKey): string => `${projectName}:${key}`;
  const value = (key: ConfigKey): string | undefined => {
    const v = raw[full(key)];
    return v === undefined || v === "" ? undefined : v;
  };
  const bad = (key: string, v: string, allowed: string): void => {
    problems.push(`${key} = ${JSON.stringify(v)}: ${allowed}`);
  };

  for (const key of Object.keys(raw)) {
    if (
      key.startsWith(`${projectName}:`) &&
      !(configKeys as readonly string[]).includes(key.slice(projectName.length + 1))
    ) {
      problems.push(`${key} is not a key of this project; allowed keys: ${configKeys.join(", ")}`);
    } else if (
      key.startsWith("aws:") &&
      !(awsConfigKeys as readonly string[]).includes(key) &&
      raw[key] !== undefined
    ) {
      problems.push(
        key === "aws:defaultTags"
          ? `aws:defaultTags is not read: set the project's tags key instead (a map of name to value), which the stack's AWS provider applies as default tags`
          : `${key} is not passed to the stack's AWS provider (an explicit provider, for the default tags); allowed aws: keys: ${awsConfigKeys.join(", ")}; set anything else in the environment (AWS_* variables)`,
      );
    }
  }

  const integer = (key: ConfigKey, fallback: number, min: number, max: number): number => {
    const v = value(key);
    if (v === undefined) return fallback;
    const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      bad(full(key), v, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const boolean = (key: ConfigKey, fallback: boolean): boolean => {
    const v = value(key);
    if (v === undefined) return fallback;
    if (v === "true" || v === "false") return v === "true";
    bad(full(key), v, "must be true or false");
    return fallback;
  };
  const oneOf = <T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T): T => {
    const v = value(key);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    bad(full(key), v, `must be one of ${allowed.join(", ")}`);
    return fallback;
  };
  /** -1 (AWS's "no limit") or an integer in [min, max]. */
  const minusOneOr = (key: ConfigKey, fallback: number, min: number, max: number): number => {
    const v = value(key);
    if (v === undefined) return fallback;
    const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (n === -1 || (Number.isSafeInteger(n) && n >= min && n <= max)) return n;
    bad(full(key), v, `must be -1 (no limit) or an integer from ${min} to ${max}`);
    return fallback;
  };
  const name = (key: ConfigKey, fallback: string, pattern: RegExp, allowed: string): string => {
    const v = value(key) ?? fallback;
    if (!pattern.test(v)) bad(full(key), v, allowed);
    return v;
  };

  /** A JSON list of strings, each one of `allowed`. */
  function list<T extends string>(key: ConfigKey, allowed: readonly T[]): T[] {
    const v = value(key);
    if (v === undefined) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed)) {
      bad(full(key), v, `must be a list of: ${allowed.join(", ")}`);
      return [];
    }
    const accepted: T[] = [];
    for (const item of parsed) {
      if (typeof item === "string" && (allowed as readonly string[]).includes(item)) {
        accepted.push(item as T);
      } else {
        bad(full(key), v, `${JSON.stringify(item)} is not one of ${allowed.join(", ")}`);
      }
    }
    return accepted;
  }

  const region = raw["aws:region"];
  if (region === undefined || region === "") {
    problems.push(`aws:region is not set: set it to the AWS region to deploy to, e.g. us-west-2`);
  } else if (!regionPattern.test(region)) {
    bad("aws:region", region, "must be an AWS region name such as us-west-2");
  }

  // A set prefix is the user's and is checked as given; the derived one is valid for any stack name
  // and also names the rest when a set one is not, so that only namePrefix is blamed.
  const derivedPrefix = derivedNamePrefix(context.project, context.stack);
  const givenPrefix = name(
    "namePrefix",
    derivedPrefix,
    new RegExp(`^(?=.{1,${maxNamePrefixLength}}$)${namePrefixPattern.source.slice(1)}`),
    `must be 1 to ${maxNamePrefixLength} letters, digits, '_' or '-' (it starts the function name, which Lambda caps at 64)`,
  );
  const prefix =
    givenPrefix.length <= maxNamePrefixLength && namePrefixPattern.test(givenPrefix)
      ? givenPrefix
      : derivedPrefix;
  const names: PipelineNames = {
    prefix,
    stream: name(
      "streamName",
      `${prefix}-stream`,
      streamNamePattern,
      "must be 1 to 128 letters, digits, '_', '.' or '-'",
    ),
    application: name(
      "applicationName",
      `${prefix}-application`,
      streamNamePattern,
      "must be 1 to 128 letters, digits, '_', '.' or '-'",
    ),
    function: name(
      "functionName",
      `${prefix}-function`,
      functionNamePattern,
      "must be 1 to 64 letters, digits, '_' or '-'",
    ),
    sessionsTable: name(
      "sessionsTableName",
      `${prefix}-sessions`,
      tableNamePattern,
      "must be 3 to 255 letters, digits, '_', '.' or '-'",
    ),
    deadLetterTable: name(
      "deadLetterTableName",
      `${prefix}-dead-letters`,
      tableNamePattern,
      "must be 3 to 255 letters, digits, '_', '.' or '-'",
    ),
    stateTable: name(
      "stateTableName",
      `${prefix}-state`,
      tableNamePattern,
      "must be 3 to 255 letters, digits, '_', '.' or '-'",
    ),
  };
  // New stacks run the sessionizer Lambda: AWS no longer creates KDA SQL applications.
  const engine = oneOf("engine", engines, "lambda");
  const sqlApplication = oneOf("sqlApplication", sqlApplicationNames, defaultSqlApplication);
  if (names.sessionsTable === names.deadLetterTable) {
    problems.push(
      `${full("deadLetterTableName")} = ${JSON.stringify(names.deadLetterTable)}: must differ from ${full("sessionsTableName")}`,
    );
  } else if (
    engine === "lambda" &&
    [names.sessionsTable, names.deadLetterTable].includes(names.stateTable)
  ) {
    problems.push(
      `${full("stateTableName")} = ${JSON.stringify(names.stateTable)}: must differ from ${full("sessionsTableName")} and ${full("deadLetterTableName")}`,
    );
  }

  const mode = oneOf("streamMode", streamModes, "provisioned");
  // Pulumi hands the program the declared default (1) when the stack sets none, so on-demand mode
  // accepts exactly that value and ignores it.
  const shards = integer("shardCount", defaultShardCount, 1, 10000);
  if (mode === "on-demand" && shards !== defaultShardCount) {
    bad(
      full("shardCount"),
      String(shards),
      `only one of [shardCount] and [streamMode: on-demand] may be set: on-demand streams scale their own shards (leave shardCount at its default, ${defaultShardCount})`,
    );
  }
  const shardCount = mode === "on-demand" ? undefined : shards;

  const kmsKey = value("streamKmsKey") ?? awsManagedKinesisKey;
  if (kmsKey !== awsManagedKinesisKey && !kmsKeyArnPattern.test(kmsKey)) {
    bad(
      full("streamKmsKey"),
      kmsKey,
      `must be ${awsManagedKinesisKey} (the AWS-managed key) or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), so the application's role can be granted kms:Decrypt on exactly that key`,
    );
  }

  const shardLevelMetrics = list("shardLevelMetrics", shardLevelMetricNames);

  const retentionDays = integer("logRetentionDays", 14, 1, 3653);
  if (
    value("logRetentionDays") !== undefined &&
    !(logRetentionDayValues as readonly number[]).includes(retentionDays)
  ) {
    bad(
      full("logRetentionDays"),
      String(retentionDays),
      `must be one of ${logRetentionDayValues.join(", ")} (CloudWatch Logs' retention values)`,
    );
  }

  const topicValue = value("alarmTopic") ?? "none";
  let topic: AlarmTopic = { kind: "none" };
  if (topicValue === "create") topic = { kind: "create" };
  else if (snsTopicArnPattern.test(topicValue)) topic = { kind: "existing", arn: topicValue };
  else if (emailPattern.test(topicValue)) topic = { kind: "email", address: topicValue };
  else if (topicValue !== "none") {
    bad(
      full("alarmTopic"),
      topicValue,
      "must be none (alarms without notifications), create (a new SNS topic), an email address (a new SNS topic that mails it) or an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
    );
  }

  const tags = tagMap(value("tags"), (v, allowed) => bad(full("tags"), v, allowed));

  const retentionHours = integer(
    "retentionHours",
    minimumRetentionHours,
    minimumRetentionHours,
    8760,
  );
  const redriveWindowHours = integer("redriveWindowHours", 6, 1, 8760);
  if (redriveWindowHours >= retentionHours) {
    bad(
      full("redriveWindowHours"),
      String(redriveWindowHours),
      `must be less than ${full("retentionHours")} (${retentionHours}): a failed batch is redriven from the records the stream still holds`,
    );
  }
  // A batch the mapping gives up on goes to the failed-batches queue as a pointer (shard and
  // sequence numbers) that SQS keeps 14 days, but the records themselves expire with the stream's
  // retention: the mapping must give up early enough to leave the redrive window.
  const latestRecordAge = (retentionHours - redriveWindowHours) * 3600;
  const maximumRecordAgeSeconds = integer("maximumRecordAgeSeconds", 64_800, 60, 604_800);
  if (redriveWindowHours < retentionHours && maximumRecordAgeSeconds > latestRecordAge) {
    bad(
      full("maximumRecordAgeSeconds"),
      String(maximumRecordAgeSeconds),
      `must be at most ${latestRecordAge} (retentionHours ${retentionHours} h minus redriveWindowHours ${redriveWindowHours} h), so that a batch the event source mapping gives up on can still be redriven from the stream; lower it, or raise retentionHours`,
    );
  }

  const flinkRuntime = value("flinkRuntime") ?? flinkRuntimes[0];
  if (!(flinkRuntimes as readonly string[]).includes(flinkRuntime)) {
    bad(
      full("flinkRuntime"),
      flinkRuntime,
      `must be ${flinkRuntimes.join(" or ")}: flink-runner is built against Flink 1.19.3 and the AWS connectors 4.3.0-1.19 (flink-runner/pom.xml), and its JAR runs only on that Flink`,
    );
  }

  const awsProfile = raw["aws:profile"];
  const config: PipelineConfig = {
    project: context.project,
    stack: context.stack,
    region: region ?? "",
    ...(awsProfile === undefined || awsProfile === "" ? {} : { awsProfile }),
    engine,
    sqlApplication,
    names,
    stream: {
      mode,
      ...(shardCount === undefined ? {} : { shardCount }),
      retentionHours,
      redriveWindowHours,
      kmsKey,
      shardLevelMetrics,
    },
    application: {
      startingPosition: oneOf("startingPosition", startingPositions, "NOW"),
      start: boolean("startApplication", true),
    },
    function: {
      memoryMb: integer("functionMemoryMb", 256, 128, 10240),
      timeoutSeconds: integer("functionTimeoutSeconds", 60, 1, 900),
    },
    eventSource: {
      batchSize: integer("batchSize", 100, 1, 10000),
      maximumBatchingWindowSeconds: integer("maximumBatchingWindowSeconds", 1, 0, 300),
      bisectBatchOnFunctionError: boolean("bisectBatchOnFunctionError", true),
      maximumRecordAgeSeconds,
      maximumRetryAttempts: minusOneOr("maximumRetryAttempts", 10_000, 0, 10_000),
    },
    flink: {
      runtime: flinkRuntime as FlinkRuntime,
      parallelism: integer("flinkParallelism", 1, 1, 1024),
      parallelismPerKpu: integer("flinkParallelismPerKpu", 1, 1, 8),
      autoScaling: boolean("flinkAutoScaling", false),
      checkpointIntervalMs: integer("flinkCheckpointIntervalMs", 60_000, 1000, 3_600_000),
      snapshots: boolean("flinkSnapshots", true),
    },
    logRetentionDays: retentionDays,
    deletionProtection: boolean("deletionProtection", true),
    alarms: {
      functionErrors: integer("alarmFunctionErrors", 0, 0, 1_000_000),
      functionThrottles: integer("alarmFunctionThrottles", 0, 0, 1_000_000),
      iteratorAgeMs: integer("alarmIteratorAgeMs", 60_000, 1000, 604_800_000),
      millisBehindLatestMs: integer("alarmMillisBehindLatestMs", 60_000, 1000, 604_800_000),
      tableThrottles: integer("alarmTableThrottles", 0, 0, 1_000_000),
      failedBatches: integer("alarmFailedBatches", 0, 0, 1_000_000),
      deadLetters: integer("alarmDeadLetters", 0, 0, 1_000_000),
      topic,
    },
    tags: { project: context.project, stack: context.stack, ...tags },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * Reads this stack's configuration through `pulumi.Config` and validates it.
 * Throws {@link ConfigError} listing every invalid key.
 */
export function loadConfig(): PipelineConfig {
  const raw: Record<string, string | undefined> = {};
  // allConfig() also holds keys nobody documented (typos) and aws: keys the explicit provider would
  // not read: parseConfig rejects those by name.
  const namespaces = [projectName, "aws"];
  for (const key of Object.keys(pulumi.runtime.allConfig())) {
    const [namespace = "", name = ""] = key.split(/:(.*)/s);
    if (namespaces.includes(namespace)) raw[key] = new pulumi.Config(namespace).get(name);
  }
  return parseConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
}
