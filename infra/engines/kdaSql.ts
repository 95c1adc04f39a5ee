/**
 * Engine `kda-sql`, the lab's wiring: Kinesis stream -> KDA SQL application -> delivery Lambda ->
 * DynamoDB. The application's `error_stream` goes to the same function, which files those rows in the
 * dead-letter table. AWS ended KDA SQL on 2026-01-27 (see {@link kdaSqlEndOfLifeWarning}), so this
 * engine can be planned and tested but no longer deployed: `pulumi up` refuses it before creating
 * anything ({@link kdaSqlNotDeployable}).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deliveredStreams } from "../../sql/contracts";
import { readApplicationSql, sqlApplications } from "../../sql/applications";
import { createAlarms } from "../alarms";
import { handlerFiles } from "../bundle";
import { roleNamePrefix } from "../names";
import {
  applicationPolicy,
  functionPolicy,
  kinesisViaService,
  servicePrincipals,
  streamKeyToGrant,
  trustPolicy,
} from "../policies";
import {
  applicationLogs,
  type EngineArgs,
  type EngineComponent,
  type EngineOptions,
  type EngineOutputs,
  movedFromPipeline,
} from "./engine";
import { createEngineFunction, deliveryEnvironment } from "./function";

/** The component's type token: `<project>:<module>:<Type>`. */
export const kdaSqlEngineType = "clickstream-sessionizer:engines:KdaSqlEngine";

/** The delivery handler's entry, relative to the repository root; bundled at program run. */
export const deliveryHandlerEntry = "handlers/deliver-sessions.ts";

/**
 * Printed whenever the program plans this engine. AWS stopped accepting new Kinesis Data Analytics
 * for SQL applications on 2025-10-15 and deleted the remaining ones from 2026-01-27:
 * https://docs.aws.amazon.com/kinesisanalytics/latest/dev/discontinuation.html
 * `@pulumi/aws` still has the (deprecated) resource, so the application can be planned and tested.
 */
export const kdaSqlEndOfLifeWarning =
  "AWS ended Kinesis Data Analytics for SQL applications on 2026-01-27 (no new ones since " +
  "2025-10-15). This plan shows the lab's wiring; `pulumi up` refuses engine kda-sql before it " +
  "creates anything. Deploy with engine lambda (the same SQL in a sessionizer Lambda), or run the " +
  "SQL offline (`npm start`, `npm run replay`).";

/**
 * Why `pulumi up` stops on this engine before creating anything: AWS would refuse the application
 * only after the stream, tables, roles and function were created, leaving half a stack behind.
 */
export const kdaSqlNotDeployable =
  "engine kda-sql cannot be deployed: AWS refuses new Kinesis Data Analytics for SQL " +
  "applications since 2025-10-15 and deleted the remaining ones from 2026-01-27 " +
  "(https://docs.aws.amazon.com/kinesisanalytics/latest/dev/discontinuation.html), so " +
  "`pulumi up` would create the stream, tables, roles and function and then fail on the " +
  "application. Nothing was created. Instead: `pulumi config set engine lambda` deploys the same " +
  "SQL in a sessionizer Lambda behind an event source mapping; `pulumi preview` and " +
  "`npm run plan` still show the kda-sql wiring; `npm start` and `npm run replay` run the SQL " +
  "offline. The successor service is Amazon Managed Service for Apache Flink.";

/**
 * The SQL application, its role, log group and log stream, the delivery function, and their alarms.
 * Children are named `<name>-<part>` like the pipeline's.
 */
export class KdaSqlEngine extends pulumi.ComponentResource implements EngineComponent {
  readonly function: aws.lambda.Function;
  readonly application: aws.kinesis.AnalyticsApplication;
  readonly outputs: EngineOutputs;

  constructor(name: string, args: EngineArgs, opts: EngineOptions) {
    super(kdaSqlEngineType, name, {}, opts);
    // Deprecated resource, on purpose: see kdaSqlEndOfLifeWarning (engine `lambda` runs today).
    void pulumi.log.warn(kdaSqlEndOfLifeWarning, this);
    const moved = movedFromPipeline(this, opts.parent);
    const { shared } = args;

    this.function = createEngineFunction(
      name,
      {
        description:
          "Writes the SQL application's sessions to DynamoDB and its error rows to the dead-letter table",
        roleDescription: "write sessions and dead letters and its own logs",
        policy: (logStreamsArn) =>
          functionPolicy({
            sessionsTableArn: shared.sessionsTable.arn,
            deadLetterTableArn: shared.deadLetterTable.arn,
            logStreamsArn,
          }),
        files: handlerFiles(deliveryHandlerEntry),
        environment: deliveryEnvironment(shared),
        alarmDescriptions: {
          errors: "The delivery function failed; KDA retries the batch forever",
          throttles: "The delivery function was throttled",
        },
      },
      args,
      moved,
    );
    this.application = this.createApplication(name, args, moved);

    // KDA SQL metrics are per application, flow and input id (the id KDA assigned, e.g. "1.1"):
    // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/monitoring-metrics.html
    createAlarms(
      name,
      [
        {
          part: "application-behind",
          description: "The SQL application reads the stream late",
          namespace: "AWS/KinesisAnalytics",
          metricName: "MillisBehindLatest",
          statistic: "Maximum",
          dimensions: {
            Application: this.application.name,
            Flow: "Input",
            Id: this.application.inputs.apply((i) => i?.id ?? ""),
          },
          threshold: args.config.alarms.millisBehindLatestMs,
        },
      ],
      args.alarms,
      moved,
    );

    this.outputs = { functionName: this.function.name, applicationName: this.application.name };
    this.registerOutputs(this.outputs);
  }

  private createApplication(
    name: string,
    { config, shared }: EngineArgs,
    opts: pulumi.CustomResourceOptions,
  ): aws.kinesis.AnalyticsApplication {
    const { names } = config;
    const { logStream } = applicationLogs(name, config, opts);
    const role = new aws.iam.Role(
      `${name}-application-role`,
      {
        namePrefix: shared.region.apply((region) => roleNamePrefix(names.prefix, region)),
        description: `Lets ${names.application} read ${names.stream}, invoke ${names.function} and log`,
        assumeRolePolicy: trustPolicy(servicePrincipals.analytics),
      },
      opts,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-application-policy`,
      {
        role: role.name,
        policy: applicationPolicy<pulumi.Input<string>>({
          streamArn: shared.stream.arn,
          streamKeyArn: streamKeyToGrant(config.stream.kmsKey),
          viaService: shared.region.apply(kinesisViaService),
          functionArn: this.function.arn,
          logStreamArn: logStream.arn,
        }),
      },
      opts,
    );

    const { inputSchema } = sqlApplications[config.sqlApplication];
    const lambdaDestination = {
      lambda: { resourceArn: this.function.arn, roleArn: role.arn },
      schema: { recordFormatType: "JSON" },
    };
    return new aws.kinesis.AnalyticsApplication(
      `${name}-application`,
      {
        name: names.application,
        description: "The lab's clickstream sessionizer (sql/sessionize.sql)",
        code: readApplicationSql(config.sqlApplication),
        inputs: {
          namePrefix: inputSchema.namePrefix,
          kinesisStream: { resourceArn: shared.stream.arn, roleArn: role.arn },
          schema: {
            recordColumns: inputSchema.columns.map((c) => ({
              name: c.name,
              sqlType: c.sqlType,
              mapping: c.mapping,
            })),
            recordEncoding: inputSchema.recordEncoding,
            recordFormat: {
              recordFormatType: inputSchema.recordFormat,
              mappingParameters: { json: { recordRowPath: inputSchema.recordRowPath } },
            },
          },
          startingPositionConfigurations: [
            { startingPosition: config.application.startingPosition },
          ],
        },
        // KDA outputs can target a Lambda function, a stream or a Firehose (the role needs
        // lambda:InvokeFunction on the function, see policies.ts). error_stream goes to the same
        // function as the sessions: it recognises error rows by their columns and files them in the
        // dead-letter table, so no second destination (and no extra cost) is needed.
        outputs: deliveredStreams.map((streamName) => ({ name: streamName, ...lambdaDestination })),
        cloudwatchLoggingOptions: { logStreamArn: logStream.arn, roleArn: role.arn },
        startApplication: config.application.start,
      },
      // KDA checks at creation that the role can read the stream and invoke the function.
      { ...opts, dependsOn: [policy] },
    );
  }
}
