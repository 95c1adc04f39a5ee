/**
 * The Lambda function an engine runs, with what every such function needs: its log group, a role
 * that only it assumes with one inline policy, and alarms on its errors and throttles. The role,
 * the policy and the alarms are auto-named; the function and its log group carry the names a user
 * looks for. The delivery
 * function (engine `kda-sql`) and the sessionizer (engine `lambda`) differ only in the
 * {@link FunctionSpec}.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { handlerEnvironment, handlerMetrics } from "../../sql/contracts";
import { type AlarmSettings, type AlarmSpec, createAlarms } from "../alarms";
import type { PipelineConfig } from "../config";
import { roleNamePrefix } from "../names";
import { logStreamsArnOf, type PolicyDocument, servicePrincipals, trustPolicy } from "../policies";
import type { SharedResources } from "./engine";

/** What differs between the engines' functions. */
export interface FunctionSpec {
  readonly description: string;
  /** Ends the role's description: `Lets <function> <roleDescription>`. */
  readonly roleDescription: string;
  /** The role's policy, given the ARN of the function's own log streams. */
  readonly policy: (logStreamsArn: pulumi.Output<string>) => PolicyDocument<pulumi.Input<string>>;
  /** The deployment package's files: the bundle and its source map (`handlerFiles`), and more. */
  readonly files: Record<string, pulumi.asset.Asset>;
  readonly environment: Record<string, pulumi.Input<string>>;
  /** What the errors and throttles alarms say (what fails, and what happens to the batch). */
  readonly alarmDescriptions: { readonly errors: string; readonly throttles: string };
}

/** The environment every engine's function gets: where sessions and dead letters go. */
export function deliveryEnvironment(
  shared: SharedResources,
): Record<string, pulumi.Output<string>> {
  return {
    [handlerEnvironment.sessionsTable]: shared.sessionsTable.name,
    [handlerEnvironment.deadLetterTable]: shared.deadLetterTable.name,
  };
}

/**
 * Node.js options of every function: stack traces through the bundle's source map
 * (`index.js.map`, shipped beside the minified bundle), so an error names the TypeScript file and
 * line. https://nodejs.org/api/cli.html#--enable-source-maps
 */
export const functionNodeOptions = "--enable-source-maps";

/**
 * Creates the function `<name>-function` and its log group, role, policy and alarms, all with
 * `opts` (parent and aliases).
 */
export function createEngineFunction(
  name: string,
  spec: FunctionSpec,
  context: {
    readonly config: PipelineConfig;
    readonly alarms: AlarmSettings;
    readonly shared: Pick<SharedResources, "region">;
  },
  opts: pulumi.CustomResourceOptions,
): aws.lambda.Function {
  const { config } = context;
  const { names } = config;
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-function-logs`,
    { name: `/aws/lambda/${names.function}`, retentionInDays: config.logRetentionDays },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-function-role`,
    {
      namePrefix: context.shared.region.apply((region) => roleNamePrefix(names.prefix, region)),
      description: `Lets ${names.function} ${spec.roleDescription}`,
      assumeRolePolicy: trustPolicy(servicePrincipals.lambda),
    },
    opts,
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-function-policy`,
    {
      role: role.name,
      policy: spec.policy(logGroup.arn.apply(logStreamsArnOf)),
    },
    opts,
  );
  const fn = new aws.lambda.Function(
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
      timeout: config.function.timeoutSeconds,
      memorySize: config.function.memoryMb,
      environment: { variables: { ...spec.environment, NODE_OPTIONS: functionNodeOptions } },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
    },
    // The policy first, so the very first invocation can already write (and, for the sessionizer,
    // so the event source mapping finds the stream readable when it is created).
    { ...opts, dependsOn: [policy] },
  );
  const alarm = (
    part: string,
    description: string,
    metricName: string,
    threshold: number,
  ): AlarmSpec => ({
    part,
    description,
    namespace: "AWS/Lambda",
    metricName,
    statistic: "Sum",
    dimensions: { FunctionName: fn.name },
    threshold,
  });
  const { errors, throttles } = spec.alarmDescriptions;
  // The handlers' own metrics (handlers/shared/metrics.ts), dimensioned by the function's name.
  const handlerAlarm = (
    part: string,
    description: string,
    metricName: string,
    threshold: number,
  ): AlarmSpec => ({
    ...alarm(part, description, metricName, threshold),
    namespace: handlerMetrics.namespace,
  });
  createAlarms(
    name,
    [
      alarm("function-errors", errors, "Errors", config.alarms.functionErrors),
      alarm("function-throttles", throttles, "Throttles", config.alarms.functionThrottles),
      handlerAlarm(
        "dead-letters-written",
        "Records were dead-lettered: bad input, or rows DynamoDB refused; see the dead-letter table",
        handlerMetrics.deadLetters,
        config.alarms.deadLetters,
      ),
      handlerAlarm(
        "table-errors",
        "A table is missing, not accessible or keyed differently: its rows wait for redelivery",
        handlerMetrics.tableErrors,
        0,
      ),
    ],
    context.alarms,
    opts,
  );
  return fn;
}
