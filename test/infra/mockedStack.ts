/**
 * Runs the Pulumi program (infra/index.ts) under mocks as `pulumi up` (or `pulumi preview`) would,
 * with a stack's configuration, and gives the tests the recorded resources. The mocks make up the
 * computed properties (ARNs, the names of auto-named resources) in the shape AWS gives them
 * (infra/plan/arns.ts), so tests can follow references.
 */
import * as path from "path";
import { planAccount } from "../../infra/plan/arns";
import { runUnderMocks, type ProgramRun, type RecordedResource } from "../../infra/plan/mocks";
import { readStackConfig } from "../../infra/plan/stackConfig";

/** The account of every made-up ARN (infra/plan/arns.ts). */
export const account = planAccount;
/** The names Pulumi would give the resources the program leaves unnamed (infra/plan/arns.ts). */
export { autoName } from "../../infra/plan/arns";
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
  logStream: "aws:cloudwatch/logStream:LogStream",
  provider: "pulumi:providers:aws",
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

/** A deployed-looking run of one stack. */
export interface MockedStack extends ProgramRun {
  /** The one resource of `type` whose logical name ends with `suffix`; throws otherwise. */
  readonly one: (type: string, suffix?: string) => RecordedResource;
  readonly all: (type: string) => RecordedResource[];
}

/** How {@link runStack} runs the program. */
export interface RunStackOptions {
  /** The checkout whose program and stack files run: this one unless a test compares with an older commit. */
  readonly root?: string;
  /**
   * Run as `pulumi preview` does (`isDryRun()`), as engine `kda-sql` needs, which `pulumi up`
   * refuses; computed properties are made up all the same.
   */
  readonly preview?: boolean;
}

/**
 * Runs the program as stack `stack` (config from `Pulumi.<stack>.yaml`), with `overrides` replacing
 * or adding full config keys (`undefined` removes one), as `pulumi up` does unless `options.preview`.
 */
export async function runStack(
  stack: string,
  overrides: Readonly<Record<string, string | undefined>> = {},
  options: RunStackOptions = {},
): Promise<MockedStack> {
  const root = options.root ?? repositoryRoot;
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
    preview: options.preview ?? false,
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
