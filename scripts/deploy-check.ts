/**
 * `npm run deploy-check`: the Pulumi program against a real AWS account, end to end, with Pulumi's
 * Automation API. Not part of `npm test`: it needs the Pulumi CLI, a Pulumi backend and AWS
 * credentials, takes about ten minutes and costs a few cents. docs/deploy-check.md says how to run it.
 *
 * The steps, each a thing the mocks cannot show:
 * 1. create a stack with a random name (engine lambda, data unprotected so it can be destroyed),
 *    `pulumi up`, and send clicks to its stream;
 * 2. wait until the sessions those clicks start are in the sessions table;
 * 3. `pulumi preview --expect-no-changes`: a second run of the program plans nothing;
 * 4. change `startingPosition` and `pulumi up` again: it must succeed and replace nothing;
 * 5. `pulumi destroy` and remove the stack, whatever happened before.
 */
import * as crypto from "crypto";
import * as path from "path";
import { parseArgs } from "util";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateScan } from "@aws-sdk/lib-dynamodb";
import { LocalWorkspace, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import { projectName } from "../infra/config";
import {
  defaultSqlApplication,
  type SqlApplicationName,
  type SqlApplicationSpec,
  sqlApplications,
} from "../sql/applications";

/** The project's directory: where Pulumi.yaml is. */
const projectDir = path.join(__dirname, "..");

export const usage = `Usage: npm run deploy-check -- [--region REGION] [--stack NAME] [--timeout SECONDS] [--keep]

Deploys this project to a new stack in a real AWS account with Pulumi's Automation API, sends
clicks, waits for their sessions in the sessions table, checks that a preview plans no change
and that changing startingPosition replaces nothing, then destroys and removes the stack.
Needs the Pulumi CLI (logged in to a backend) and AWS credentials (the usual chain).

Options:
  --region REGION     AWS region to deploy to (default: AWS_REGION, else us-west-2)
  --stack NAME        stack name (default: deploy-check-<8 random hex digits>)
  --timeout SECONDS   how long to wait for the sessions (default: 300)
  --keep              leave the stack deployed (to look at it); destroy it later yourself
  --help              print this help
`;

/** The parsed command line. */
export interface DeployCheckOptions {
  readonly region: string;
  readonly stackName: string;
  readonly timeoutSeconds: number;
  readonly keep: boolean;
  readonly help: boolean;
}

/** Parses the arguments after `--`; throws naming the bad argument. */
export function parseDeployCheckArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): DeployCheckOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      region: { type: "string" },
      stack: { type: "string" },
      timeout: { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  const timeout = values.timeout ?? "300";
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1) {
    throw new Error(`--timeout is "${timeout}"; expected a whole number of seconds, at least 1`);
  }
  const stackName = values.stack ?? `deploy-check-${crypto.randomBytes(4).toString("hex")}`;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stackName)) {
    throw new Error(
      `--stack is "${stackName}"; a stack name has 1 to 100 letters, digits, '_', '.' or '-'`,
    );
  }
  return {
    region: values.region ?? env["AWS_REGION"] ?? "us-west-2",
    stackName,
    timeoutSeconds: Number(timeout),
    keep: values.keep ?? false,
    help: values.help ?? false,
  };
}

/** One click as the lab's simulator writes it. */
export interface Click {
  readonly user_id: string;
  readonly event_timestamp: string;
  readonly event_name: string;
  readonly event_type: string;
  readonly device_type: string;
}

/**
 * Clicks of three users, each starting two sessions (the SQL starts a session on a user's first
 * click and after a gap of more than 10 s), and the session ids `application` gives them
 * (`sessionIdOf`: the product's `<user>_<start, ISO 8601 UTC>`, the lab's
 * `<user>_<device>_<HH:mm:ss>`). The check deploys {@link deployCheckApplication}.
 */
export function deployCheckClicks(
  startMs: number,
  application: SqlApplicationSpec = sqlApplications[deployCheckApplication],
): {
  readonly clicks: Click[];
  readonly sessionIds: string[];
} {
  const clicks: Click[] = [];
  const sessionIds: string[] = [];
  const second = (ms: number): number => Math.floor(ms / 1000) * 1000;
  for (const [u, user] of ["user1", "user2", "user3"].entries()) {
    // Each session: two clicks 2 s apart; the second session 30 s after the first.
    for (const sessionStart of [0, 30_000].map((offset) => second(startMs) + u * 1000 + offset)) {
      for (const at of [sessionStart, sessionStart + 2000]) {
        clicks.push({
          user_id: user,
          event_timestamp: String(at),
          event_name: "checkout",
          event_type: "click",
          device_type: "desktop",
        });
      }
      sessionIds.push(application.sessionIdOf(clicks[clicks.length - 2]!));
    }
  }
  clicks.sort((a, b) => Number(a.event_timestamp) - Number(b.event_timestamp));
  return { clicks, sessionIds: sessionIds.sort() };
}

/** What the check does with a stack: the Automation API's calls it needs. */
export interface CheckStack {
  setConfig(values: Readonly<Record<string, string>>): Promise<void>;
  /** `pulumi up`: the stack's outputs, and how many resources each operation touched. */
  up(): Promise<{ outputs: Record<string, unknown>; changes: OpMap }>;
  /** `pulumi preview --expect-no-changes`: rejects when the preview plans a change. */
  previewExpectingNoChanges(): Promise<void>;
  destroy(): Promise<void>;
  remove(): Promise<void>;
}

/** Everything the check touches outside itself, so a test can run it without an account. */
export interface DeployCheckWorld {
  createStack(name: string): Promise<CheckStack>;
  sendClicks(region: string, stream: string, clicks: readonly Click[]): Promise<void>;
  /** Every `session_id` in the table now. */
  sessionIds(region: string, table: string): Promise<string[]>;
  now(): number;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

/** Thrown when the deployed stack does not behave as the program promises. */
export class DeployCheckError extends Error {
  override readonly name = "DeployCheckError";
}

const key = (name: string): string => `${projectName}:${name}`;

/** The SQL application the check deploys: the one new stacks run. */
export const deployCheckApplication: SqlApplicationName = defaultSqlApplication;

/**
 * The stack's config: engine lambda (the one that deploys) with the product's SQL, no protection
 * (the check destroys the stack), and a starting position that reads the clicks sent right after
 * the first `up`.
 */
export function deployCheckConfig(region: string): Record<string, string> {
  return {
    "aws:region": region,
    [key("engine")]: "lambda",
    [key("sqlApplication")]: deployCheckApplication,
    [key("deletionProtection")]: "false",
    [key("startingPosition")]: "TRIM_HORIZON",
  };
}

/** Runs the five steps; the stack is destroyed and removed in the end unless `keep`. */
export async function runDeployCheck(
  options: Pick<DeployCheckOptions, "region" | "stackName" | "timeoutSeconds" | "keep">,
  world: DeployCheckWorld,
): Promise<void> {
  const { region, stackName } = options;
  world.log(`1. stack ${stackName} in ${region}: pulumi up`);
  const stack = await world.createStack(stackName);
  try {
    await stack.setConfig(deployCheckConfig(region));
    const { outputs } = await stack.up();
    const stream = stringOutput(outputs, "streamName");
    const table = stringOutput(outputs, "sessionsTableName");
    const { clicks, sessionIds } = deployCheckClicks(world.now());
    world.log(`   ${clicks.length} clicks to ${stream}`);
    await world.sendClicks(region, stream, clicks);

    world.log(
      `2. waiting up to ${options.timeoutSeconds} s for ${sessionIds.length} sessions in ${table}`,
    );
    const deadline = world.now() + options.timeoutSeconds * 1000;
    for (;;) {
      const found = new Set(await world.sessionIds(region, table));
      const missing = sessionIds.filter((id) => !found.has(id));
      if (missing.length === 0) break;
      if (world.now() >= deadline) {
        throw new DeployCheckError(
          `sessions missing from ${table} after ${options.timeoutSeconds} s: ${missing.join(", ")}`,
        );
      }
      await world.sleep(10_000);
    }

    world.log("3. pulumi preview --expect-no-changes");
    await stack.previewExpectingNoChanges();

    world.log("4. startingPosition NOW: pulumi up replaces nothing");
    await stack.setConfig({ [key("startingPosition")]: "NOW" });
    const { changes } = await stack.up();
    const replaced = (changes.replace ?? 0) + (changes["create-replacement"] ?? 0);
    if (replaced > 0 || (changes.delete ?? 0) > 0) {
      throw new DeployCheckError(
        `changing startingPosition replaced or deleted resources: ${JSON.stringify(changes)}`,
      );
    }
  } finally {
    if (options.keep) {
      world.log(
        `5. kept ${stackName}: pulumi destroy --stack ${stackName} && pulumi stack rm ${stackName}`,
      );
    } else {
      world.log("5. pulumi destroy, stack rm");
      await stack.destroy();
      await stack.remove();
    }
  }
  world.log("deploy check passed");
}

function stringOutput(outputs: Record<string, unknown>, name: string): string {
  const value = outputs[name];
  if (typeof value !== "string") {
    throw new DeployCheckError(
      `the stack exported no ${name} (outputs: ${Object.keys(outputs).join(", ")})`,
    );
  }
  return value;
}

/**
 * A stack of the Automation API as the check uses it; `onOutput` gets the CLI's output. Shared by
 * the real world and `npm run test:engine`, which runs the check on the real engine against the
 * `aws` stand-in, the program inline.
 */
export function checkStackOf(stack: Stack, onOutput: (text: string) => void): CheckStack {
  return {
    setConfig: (values) =>
      stack.setAllConfig(
        Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }])),
      ),
    async up() {
      const result = await stack.up({ onOutput });
      return {
        outputs: Object.fromEntries(
          Object.entries(result.outputs).map(([k, output]) => [k, output.value as unknown]),
        ),
        changes: result.summary.resourceChanges ?? {},
      };
    },
    async previewExpectingNoChanges() {
      await stack.preview({ expectNoChanges: true, onOutput });
    },
    async destroy() {
      await stack.destroy({ onOutput });
    },
    remove: () => stack.workspace.removeStack(stack.name),
  };
}

/**
 * The real world: the Pulumi CLI through the Automation API, and the AWS SDK. The program is this
 * project's, run by the CLI's Node language host as `pulumi up` runs it (Pulumi.yaml, then
 * package.json's "main"), so the check also proves that the program loads the way users load it.
 * `npm run test:engine` runs the same steps (`runDeployCheck`, `checkStackOf`) with the program
 * inline, since the language host cannot be fetched there.
 */
function awsWorld(): DeployCheckWorld {
  const onOutput = (text: string): void => void process.stdout.write(text);
  return {
    async createStack(name) {
      const stack = await LocalWorkspace.createOrSelectStack({
        stackName: name,
        workDir: projectDir,
      });
      return checkStackOf(stack, onOutput);
    },
    async sendClicks(region, stream, clicks) {
      const kinesis = new KinesisClient({ region });
      const result = await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: clicks.map((c) => ({
            Data: Buffer.from(JSON.stringify(c)),
            PartitionKey: c.user_id,
          })),
        }),
      );
      if ((result.FailedRecordCount ?? 0) > 0) {
        throw new DeployCheckError(
          `${result.FailedRecordCount} of ${clicks.length} clicks were refused`,
        );
      }
    },
    async sessionIds(region, table) {
      const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region }));
      const ids: string[] = [];
      for await (const page of paginateScan(
        { client: documents },
        { TableName: table, ProjectionExpression: "session_id" },
      )) {
        for (const item of page.Items ?? []) ids.push(String(item["session_id"]));
      }
      return ids;
    },
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => void process.stdout.write(`deploy-check: ${line}\n`),
  };
}

async function main(): Promise<void> {
  const options = parseDeployCheckArguments(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(usage);
    return;
  }
  await runDeployCheck(options, awsWorld());
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `deploy-check: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
