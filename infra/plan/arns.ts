/**
 * The state the mocks give each AWS resource besides its inputs: its ARN, and for a resource the
 * program leaves unnamed the name Pulumi would give it. Deterministic (built from the type, the
 * physical name, the region and {@link planAccount}), so a plan shows every IAM statement with the
 * real shape of the ARN it grants on, and two plans of one program are equal byte for byte.
 *
 * `physicalState("aws:dynamodb/table:Table", "sessions", {name: "s"}, {region: "us-west-2"})` ->
 * `{arn: "arn:aws:dynamodb:us-west-2:123456789012:table/s"}`
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * The account every plan is computed in: AWS's own documentation account, so nobody mistakes it for
 * theirs. The real one is known only at `pulumi up`.
 */
export const planAccount = "123456789012";

/** Where a resource lives. */
export interface ArnContext {
  readonly region: string;
  readonly account?: string;
}

/**
 * The partition of a region: `cn-north-1` -> `aws-cn`, `us-gov-west-1` -> `aws-us-gov`, else `aws`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
 */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

type Inputs = Readonly<Record<string, unknown>>;

/** What a type's state adds, given its physical name and the ARN builder. */
type StateBuilder = (
  name: string,
  arn: (service: string, resource: string, scope?: "regional" | "global" | "partition") => string,
  inputs: Inputs,
  context: Required<ArnContext>,
) => Record<string, unknown> | undefined;

/** A known, non-empty string; undefined for anything else (an unknown value, a secret). */
const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" && value !== pulumi.runtime.unknownValue
    ? value
    : undefined;

/** A UUID-shaped identifier derived from `seed` (event source mappings, KMS keys). */
function uuidFrom(seed: string): string {
  const hex = crypto.createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * ARN formats by type, as each service's "Actions, resources, and condition keys" page gives them
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
 */
const stateBuilders: Readonly<Record<string, StateBuilder>> = {
  "aws:kinesis/stream:Stream": (name, arn) => ({ arn: arn("kinesis", `stream/${name}`) }),
  "aws:dynamodb/table:Table": (name, arn) => ({ arn: arn("dynamodb", `table/${name}`) }),
  "aws:lambda/function:Function": (name, arn) => {
    const functionArn = arn("lambda", `function:${name}`);
    return { arn: functionArn, qualifiedArn: `${functionArn}:$LATEST`, version: "$LATEST" };
  },
  "aws:lambda/eventSourceMapping:EventSourceMapping": (name, arn) => {
    const uuid = uuidFrom(`event-source-mapping:${name}`);
    return { uuid, arn: arn("lambda", `event-source-mapping:${uuid}`) };
  },
  "aws:iam/role:Role": (name, arn, inputs) => ({
    arn: arn("iam", `role${text(inputs["path"]) ?? "/"}${name}`, "global"),
  }),
  "aws:iam/policy:Policy": (name, arn, inputs) => ({
    arn: arn("iam", `policy${text(inputs["path"]) ?? "/"}${name}`, "global"),
  }),
  // An inline policy has no ARN of its own.
  "aws:iam/rolePolicy:RolePolicy": () => ({}),
  "aws:cloudwatch/logGroup:LogGroup": (name, arn) => ({ arn: arn("logs", `log-group:${name}`) }),
  "aws:cloudwatch/logStream:LogStream": (name, arn, inputs) => {
    const group = text(inputs["logGroupName"]);
    return group === undefined
      ? undefined
      : { arn: arn("logs", `log-group:${group}:log-stream:${name}`) };
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": (name, arn) => ({
    arn: arn("cloudwatch", `alarm:${name}`),
  }),
  "aws:sns/topic:Topic": (name, arn) => ({ arn: arn("sns", name) }),
  "aws:sqs/queue:Queue": (name, arn, _inputs, { region, account }) => ({
    arn: arn("sqs", name),
    url: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
  }),
  // KDA numbers an application's inputs itself; the first (and here only) one is always "1.1":
  // https://docs.aws.amazon.com/kinesisanalytics/latest/dev/monitoring-metrics.html
  "aws:kinesis/analyticsApplication:AnalyticsApplication": (name, arn, inputs) => {
    const appInputs = inputs["inputs"];
    return {
      arn: arn("kinesisanalytics", `application/${name}`),
      ...(appInputs !== null && typeof appInputs === "object"
        ? { inputs: { ...appInputs, id: "1.1" } }
        : {}),
    };
  },
  "aws:kms/key:Key": (name, arn) => ({ arn: arn("kms", `key/${uuidFrom(`kms-key:${name}`)}`) }),
  "aws:s3/bucket:Bucket": (name, arn) => ({ arn: arn("s3", name, "partition") }),
  // An object's version id is S3's; here one derived from bucket and key, so plans repeat.
  "aws:s3/bucketObjectv2:BucketObjectv2": (key, arn, inputs) => {
    const bucket = text(inputs["bucket"]);
    if (bucket === undefined) return undefined;
    const versionId = crypto
      .createHash("sha256")
      .update(`${bucket}/${key}`)
      .digest("base64url")
      .slice(0, 32);
    return { arn: arn("s3", `${bucket}/${key}`, "partition"), versionId };
  },
  "aws:kinesisanalyticsv2/application:Application": (name, arn) => ({
    arn: arn("kinesisanalytics", `application/${name}`),
  }),
  "aws:s3/bucketV2:BucketV2": (name, arn) => ({ arn: arn("s3", name, "partition") }),
};

/** Types whose physical name is another input than `name`: a bucket's `bucket`, an object's `key`. */
const nameProperty: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "bucket",
  "aws:s3/bucketObjectv2:BucketObjectv2": "key",
  "aws:s3/bucketV2:BucketV2": "bucket",
};

/** Types that have no name: nothing to auto-name. */
const unnamedTypes: ReadonlySet<string> = new Set([
  "aws:lambda/eventSourceMapping:EventSourceMapping",
  "aws:kms/key:Key",
]);

/**
 * The name Pulumi gives a resource the program leaves unnamed: its logical name, a hyphen and seven
 * random hex digits, or with a `namePrefix` the prefix and 26 more characters, as the provider
 * completes it (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming). Here the
 * characters come from a hash of the logical name, so plans and tests repeat.
 *
 * `autoName("sessionizer-alarms")` -> `"sessionizer-alarms-" + 7 hex digits`
 */
export function autoName(logicalName: string, namePrefix?: unknown): string {
  const hash = crypto.createHash("sha256").update(logicalName).digest("hex");
  return typeof namePrefix === "string" && namePrefix !== pulumi.runtime.unknownValue
    ? `${namePrefix}${hash.slice(0, 26)}`
    : `${logicalName}-${hash.slice(0, 7)}`;
}

/**
 * The ARN and related state of an AWS resource of `type` named `logicalName` with `inputs`, or an
 * empty object for what has none (components, providers, a name that is still unknown). Types
 * without an entry above that are given a name get an ARN in the common
 * `arn:<partition>:<module>:<region>:<account>:<resource>/<name>` shape, from their type token.
 */
export function physicalState(
  type: string,
  logicalName: string,
  inputs: Inputs,
  context: ArnContext,
): Record<string, unknown> {
  const match = /^aws:([A-Za-z0-9]+)\/([A-Za-z0-9]+):[A-Za-z0-9]+$/.exec(type);
  if (match === null) return {};
  const full: Required<ArnContext> = {
    region: text(inputs["region"]) ?? context.region,
    account: context.account ?? planAccount,
  };
  const property = nameProperty[type] ?? "name";
  const given = inputs[property];
  const known = type in stateBuilders;
  // Pulumi auto-names the types listed above when the program gives no name; of other types the
  // naming rules are not known here, so they get an ARN only from a name the program gave.
  const named = given === undefined && known && !unnamedTypes.has(type);
  if (given === undefined && !known) return {};
  // A name that is an unknown (or secret) value: no ARN can be built from it.
  if (given !== undefined && text(given) === undefined) return {};
  const generated = autoName(logicalName, inputs["namePrefix"]);
  const name = named
    ? property === "bucket"
      ? generated.toLowerCase()
      : generated
    : (text(given) ?? logicalName);
  const arn = (
    service: string,
    resource: string,
    scope: "regional" | "global" | "partition" = "regional",
  ): string => {
    const where =
      scope === "regional"
        ? `${full.region}:${full.account}`
        : scope === "global"
          ? `:${full.account}`
          : ":";
    return `arn:${partitionOf(full.region)}:${service}:${where}:${resource}`;
  };
  const build: StateBuilder =
    stateBuilders[type] ??
    ((n, makeArn) => ({
      arn: makeArn(match[1]!.toLowerCase(), `${kebab(match[2]!)}/${n}`),
    }));
  const state = build(name, arn, inputs, full);
  if (state === undefined) return {};
  return named ? { [property]: name, ...state } : state;
}

/** `eventSourceMapping` -> `event-source-mapping`. */
function kebab(word: string): string {
  return word.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-/, "");
}
