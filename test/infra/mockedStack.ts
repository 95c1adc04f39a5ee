/**
 * Runs the Pulumi program (infra/index.ts) under mocks as `pulumi up` would, with a stack's
 * configuration, and gives the tests the recorded resources. Computed properties (ARNs, ids) are
 * made up from the physical names in the shape AWS gives them, so tests can follow references.
 */
import * as path from "path";
import { runUnderMocks, type ProgramRun, type RecordedResource } from "../../infra/plan/mocks";
import { readStackConfig } from "../../infra/plan/stackConfig";

export const account = "123456789012";
/** Pulumi type tokens of the resources the tests look up. */
export const resourceType = {
  stream: "aws:kinesis/stream:Stream",
  application: "aws:kinesis/analyticsApplication:AnalyticsApplication",
  mapping: "aws:lambda/eventSourceMapping:EventSourceMapping",
  function: "aws:lambda/function:Function",
  queue: "aws:sqs/queue:Queue",
  table: "aws:dynamodb/table:Table",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  topic: "aws:sns/topic:Topic",
  topicSubscription: "aws:sns/topicSubscription:TopicSubscription",
} as const;

/** One statement of an IAM policy document as the program writes it. */
export interface PolicyStatement {
  Sid: string;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

/** An IAM policy document as the program writes it. */
export interface PolicyDocument {
  Statement: PolicyStatement[];
}

const repositoryRoot = path.join(__dirname, "..", "..");

/** Made-up ARNs in AWS's formats, from the resource's own inputs. */
export function fabricateState(region: string) {
  return (
    type: string,
    _name: string,
    inputs: Readonly<Record<string, unknown>>,
  ): Record<string, unknown> => {
    const name = String(inputs["name"] ?? "");
    const arn = (service: string, resource: string, regional = true): string =>
      `arn:aws:${service}:${regional ? region : ""}:${account}:${resource}`;
    switch (type) {
      case "aws:kinesis/stream:Stream":
        return { arn: arn("kinesis", `stream/${name}`) };
      case "aws:lambda/function:Function":
        return { arn: arn("lambda", `function:${name}`) };
      case "aws:dynamodb/table:Table":
        return { arn: arn("dynamodb", `table/${name}`) };
      case "aws:iam/role:Role":
        return { arn: arn("iam", `role/${name}`, false) };
      case "aws:cloudwatch/logGroup:LogGroup":
        return { arn: arn("logs", `log-group:${name}`) };
      case "aws:cloudwatch/logStream:LogStream":
        return {
          arn: arn("logs", `log-group:${String(inputs["logGroupName"])}:log-stream:${name}`),
        };
      case "aws:sns/topic:Topic":
        return { arn: arn("sns", name) };
      case "aws:sqs/queue:Queue":
        return {
          arn: arn("sqs", name),
          url: `https://sqs.${region}.amazonaws.com/${account}/${name}`,
        };
      case "aws:kinesis/analyticsApplication:AnalyticsApplication":
        return {
          arn: arn("kinesisanalytics", `application/${name}`),
          inputs: { ...(inputs["inputs"] as object), id: "1.1" },
        };
      default:
        return {};
    }
  };
}

/** A deployed-looking run of one stack. */
export interface MockedStack extends ProgramRun {
  /** The one resource of `type` whose logical name ends with `suffix`; throws otherwise. */
  readonly one: (type: string, suffix?: string) => RecordedResource;
  readonly all: (type: string) => RecordedResource[];
}

/**
 * Runs the program as stack `stack` (config from `Pulumi.<stack>.yaml`), with `overrides` replacing
 * or adding full config keys (`undefined` removes one). `root` is the checkout whose program and stack
 * files run: this one unless a test compares with an older commit.
 */
export async function runStack(
  stack: string,
  overrides: Readonly<Record<string, string | undefined>> = {},
  root = repositoryRoot,
): Promise<MockedStack> {
  const programEntry = path.join(root, "infra", "index.ts");
  const config = readStackConfig(root, stack);
  const values: Record<string, string> = { ...config.values };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete values[key];
    else values[key] = value;
  }
  const run = await runUnderMocks({
    project: config.project,
    stack,
    config: values,
    preview: false,
    fabricate: fabricateState(values["aws:region"] ?? "us-west-2"),
    program: () => {
      // A fresh copy of the entry point each run: its top level is the program.
      delete require.cache[require.resolve(programEntry)];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(programEntry) as Record<string, unknown>;
    },
  });
  const all = (type: string): RecordedResource[] => run.resources.filter((r) => r.type === type);
  const one = (type: string, suffix = ""): RecordedResource => {
    const found = all(type).filter((r) => r.name.endsWith(suffix));
    if (found.length !== 1)
      throw new Error(`expected one ${type} named *${suffix}, found ${found.length}`);
    return found[0]!;
  };
  return { ...run, one, all };
}
