/**
 * Engine `flink`: Kinesis stream -> Amazon Managed Service for Apache Flink application running
 * flink-runner with the stack's SQL application translated to Flink SQL -> the pipeline's sessions
 * and dead-letter tables, written by the job's DynamoDB sinks (flink-runner's Deployed.java). No
 * Lambda, no event source mapping: the application reads the stream itself and keeps its window
 * state in Flink's checkpoints and snapshots. docs/engines.md says when it pays off.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms } from "../alarms";
import type { StartingPosition } from "../config";
import { flinkJob } from "../flinkJob";
import { roleNamePrefix } from "../names";
import {
  flinkApplicationPolicy,
  kinesisViaService,
  logStreamsArnOf,
  scopedTrustPolicy,
  servicePrincipals,
  streamKeyToGrant,
} from "../policies";
import {
  applicationLogs,
  type EngineArgs,
  type EngineComponent,
  type EngineOptions,
  type EngineOutputs,
} from "./engine";

/** The component's type token: `<project>:<module>:<Type>`. */
export const flinkEngineType = "clickstream-sessionizer:engines:FlinkEngine";

/** The property group flink-runner's deployed mode reads (Deployed.PROPERTY_GROUP). */
export const runnerPropertyGroup = "SessionizerConfig";

/**
 * The runtime properties flink-runner's deployed mode reads from {@link runnerPropertyGroup}
 * (Deployed.java): where records come from and rows go to, and the application's ARN, which the
 * dead letters carry and their ids are hashed with.
 */
export const runnerProperties = {
  streamName: "stream.name",
  region: "aws.region",
  sessionsTable: "sessions.table",
  deadLetterTable: "deadletters.table",
  applicationArn: "application.arn",
  initialPosition: "stream.initial.position",
} as const;

/**
 * KDA's starting positions as the Kinesis consumer's initial positions (flink-connector-kinesis
 * `STREAM_INITIAL_POSITION`). The consumer's positions live in the application's snapshots, so after
 * the first start the application resumes where it stopped whatever this says; LAST_STOPPED_POINT
 * therefore reads from the oldest record on the first start, as engine lambda does.
 */
export const consumerInitialPositions: { readonly [P in StartingPosition]: string } = {
  NOW: "LATEST",
  TRIM_HORIZON: "TRIM_HORIZON",
  LAST_STOPPED_POINT: "TRIM_HORIZON",
};

/**
 * The shortest pause between two checkpoints: MSF's default (5 s), or the interval when that is
 * shorter, so a slow checkpoint never makes the next one start at once.
 * https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_CheckpointConfiguration.html
 */
export function minPauseBetweenCheckpoints(intervalMs: number): number {
  return Math.min(5000, intervalMs);
}

/**
 * The job's code bucket (versioned, encrypted, private) and JAR, the application's log group and
 * stream, its role and policy, the application, and its alarms. Children are named `<name>-<part>`.
 */
export class FlinkEngine extends pulumi.ComponentResource implements EngineComponent {
  readonly codeBucket: aws.s3.Bucket;
  readonly jobJar: aws.s3.BucketObjectv2;
  readonly application: aws.kinesisanalyticsv2.Application;
  readonly flinkApplicationName: pulumi.Output<string>;
  readonly outputs: EngineOutputs;

  constructor(name: string, args: EngineArgs, opts: EngineOptions) {
    super(flinkEngineType, name, {}, opts);
    const child: pulumi.CustomResourceOptions = { parent: this };
    const { config } = args;
    const job = flinkJob(config.sqlApplication);

    // Auto-named (S3 names are global and lower case; nobody types it: it is a stack output). It
    // holds only JARs the program rebuilds from the checkout, so it is not data: `forceDestroy` lets
    // `pulumi destroy` (or a switch to another engine) delete it with its old versions, which a
    // versioned bucket otherwise refuses (BucketNotEmpty).
    this.codeBucket = new aws.s3.Bucket(`${name}-job-code`, { forceDestroy: true }, child);
    // Versioned, so the application names the exact object version it runs, as MSF recommends:
    // https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_S3ContentLocation.html
    const versioning = new aws.s3.BucketVersioning(
      `${name}-job-code-versioning`,
      { bucket: this.codeBucket.bucket, versioningConfiguration: { status: "Enabled" } },
      child,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-job-code-encryption`,
      {
        bucket: this.codeBucket.bucket,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      child,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-job-code-public-access`,
      {
        bucket: this.codeBucket.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );
    // One logical resource per content hash: a new JAR is a new object (created before the old one
    // is deleted, so the application never points at a missing key), and the same sources are the
    // same object. Its bytes are ignored after creation: Maven stamps times into the JAR, so a
    // rebuild of unchanged sources on another machine must not upload it again (and restart the
    // application).
    this.jobJar = new aws.s3.BucketObjectv2(
      `${name}-job-jar-${job.contentHash.slice(0, 16)}`,
      {
        bucket: this.codeBucket.bucket,
        key: job.key,
        source: job.asset,
        contentType: "application/java-archive",
      },
      { ...child, dependsOn: [versioning, encryption], ignoreChanges: ["source"] },
    );

    this.application = this.createApplication(name, args, child);
    this.createAlarms(name, args, child);
    this.flinkApplicationName = this.application.name;

    this.outputs = {
      applicationName: this.application.name,
      jobCodeBucketName: this.codeBucket.bucket,
    };
    this.registerOutputs(this.outputs);
  }

  private createApplication(
    name: string,
    { config, shared }: EngineArgs,
    opts: pulumi.CustomResourceOptions,
  ): aws.kinesisanalyticsv2.Application {
    const { names, flink } = config;
    // The application's ARN before it exists, for the role's trust policy and the job's dead
    // letters; the account and partition as the stack's provider answers them.
    const account = aws.getCallerIdentityOutput({}, opts).accountId;
    const partition = aws.getPartitionOutput({}, opts).partition;
    const applicationArn = pulumi.interpolate`arn:${partition}:kinesisanalytics:${shared.region}:${account}:application/${names.application}`;

    const { logGroup, logStream } = applicationLogs(name, config, opts);
    const role = new aws.iam.Role(
      `${name}-application-role`,
      {
        namePrefix: shared.region.apply((region) => roleNamePrefix(names.prefix, region)),
        description: `Lets ${names.application} read its JAR and ${names.stream}, write the sessions and dead letters, and log`,
        assumeRolePolicy: pulumi
          .all([account, applicationArn])
          .apply(([sourceAccount, sourceArn]) =>
            scopedTrustPolicy(servicePrincipals.analytics, { account: sourceAccount, sourceArn }),
          ),
      },
      opts,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-application-policy`,
      {
        role: role.name,
        policy: flinkApplicationPolicy<pulumi.Input<string>>({
          jobJarObjectArn: pulumi.interpolate`${this.codeBucket.arn}/${this.jobJar.key}`,
          streamArn: shared.stream.arn,
          streamKeyArn: streamKeyToGrant(config.stream.kmsKey),
          viaService: shared.region.apply(kinesisViaService),
          sessionsTableArn: shared.sessionsTable.arn,
          deadLetterTableArn: shared.deadLetterTable.arn,
          logGroupArn: logGroup.arn.apply((arn) => arn.replace(/:\*$/, "")),
          logStreamsArn: logGroup.arn.apply(logStreamsArnOf),
          logStreamArn: logStream.arn,
        }),
      },
      opts,
    );

    return new aws.kinesisanalyticsv2.Application(
      `${name}-application`,
      {
        name: names.application,
        // Fixed: a new description replaces the application (and drops its snapshots), so it does
        // not name the SQL application, which a stack may change.
        description: "The stack's SQL application, translated to Flink SQL, run by flink-runner",
        runtimeEnvironment: flink.runtime,
        serviceExecutionRole: role.arn,
        startApplication: config.application.start,
        applicationConfiguration: {
          applicationCodeConfiguration: {
            codeContentType: "ZIPFILE",
            codeContent: {
              s3ContentLocation: {
                bucketArn: this.codeBucket.arn,
                fileKey: this.jobJar.key,
                objectVersion: this.jobJar.versionId,
              },
            },
          },
          // The translated SQL travels inside the JAR (job-spec.json, built from the same spec
          // whose hash names the object); the properties say where to read and write.
          environmentProperties: {
            propertyGroups: [
              {
                propertyGroupId: runnerPropertyGroup,
                propertyMap: {
                  [runnerProperties.streamName]: shared.stream.name,
                  [runnerProperties.region]: shared.region,
                  [runnerProperties.sessionsTable]: shared.sessionsTable.name,
                  [runnerProperties.deadLetterTable]: shared.deadLetterTable.name,
                  [runnerProperties.applicationArn]: applicationArn,
                  [runnerProperties.initialPosition]:
                    consumerInitialPositions[config.application.startingPosition],
                },
              },
            ],
          },
          flinkApplicationConfiguration: {
            // Checkpoints hold the window state and the consumer's shard positions: without them
            // a restart would forget every open session.
            checkpointConfiguration: {
              configurationType: "CUSTOM",
              checkpointingEnabled: true,
              checkpointInterval: flink.checkpointIntervalMs,
              minPauseBetweenCheckpoints: minPauseBetweenCheckpoints(flink.checkpointIntervalMs),
            },
            // INFO, as AWS recommends (Flink logs some failures at INFO); APPLICATION-level
            // metrics carry downtime, checkpoints and the consumer's millisBehindLatest.
            monitoringConfiguration: {
              configurationType: "CUSTOM",
              logLevel: "INFO",
              metricsLevel: "APPLICATION",
            },
            parallelismConfiguration: {
              configurationType: "CUSTOM",
              parallelism: flink.parallelism,
              parallelismPerKpu: flink.parallelismPerKpu,
              autoScalingEnabled: flink.autoScaling,
            },
          },
          applicationSnapshotConfiguration: { snapshotsEnabled: flink.snapshots },
          // An update or restart resumes from the latest snapshot (state and shard positions);
          // a snapshot the new job cannot map is refused rather than silently dropped.
          runConfiguration: {
            applicationRestoreConfiguration: {
              applicationRestoreType: flink.snapshots
                ? "RESTORE_FROM_LATEST_SNAPSHOT"
                : "SKIP_RESTORE_FROM_SNAPSHOT",
            },
            flinkRunConfiguration: { allowNonRestoredState: false },
          },
        },
        cloudwatchLoggingOptions: { logStreamArn: logStream.arn },
      },
      // MSF checks at creation that the role can read the JAR and write the log stream.
      { ...opts, dependsOn: [policy] },
    );
  }

  /** The application's alarms: AWS/KinesisAnalytics metrics per application. */
  private createAlarms(
    name: string,
    { config, shared, alarms }: EngineArgs,
    opts: pulumi.CustomResourceOptions,
  ) {
    const application = { Application: this.application.name };
    // https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html
    createAlarms(
      name,
      [
        {
          part: "application-downtime",
          description:
            "The Flink job is not running (failing or restarting): no sessions are written",
          namespace: "AWS/KinesisAnalytics",
          metricName: "downtime",
          statistic: "Maximum",
          dimensions: application,
          threshold: 0,
        },
        {
          part: "application-checkpoint-failures",
          description:
            "A checkpoint of the Flink job failed: a restart would replay from an older one",
          namespace: "AWS/KinesisAnalytics",
          metricName: "numberOfFailedCheckpoints",
          statistic: "Maximum",
          dimensions: application,
          threshold: 0,
          compare: "increase",
        },
        // The Kinesis consumer's lag per stream (application level): the same alarm, by the same
        // logical name, as engine kda-sql's MillisBehindLatest.
        {
          part: "application-behind",
          description: "The Flink job reads the stream late",
          namespace: "AWS/KinesisAnalytics",
          metricName: "millisBehindLatest",
          statistic: "Maximum",
          dimensions: { ...application, Id: shared.stream.name, Flow: "Input" },
          threshold: config.alarms.millisBehindLatestMs,
        },
      ],
      alarms,
      opts,
    );
  }
}
