import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../infra/config";
import { autoName } from "../../infra/plan/arns";
import { readApplicationSql } from "../../sql/applications";
import { productInputSchema, readSessionizeSql } from "../../sql/inputSchema";
import { parsePlanArguments, usage } from "../../harness/cli/plan";
import { diffPlans, formatDiff, lineDiff, parsePlanJson } from "../../infra/plan/diff";
import { formatPlan } from "../../infra/plan/format";
import { runUnderMocks } from "../../infra/plan/mocks";
import { orderResources, type Plan, type PlanResource, toPlanValue } from "../../infra/plan/model";
import { computePlan, planFromRun } from "../../infra/plan/computePlan";
import { readStackConfig } from "../../infra/plan/stackConfig";

const root = path.join(__dirname, "..", "..");
const cli = path.join(root, "harness", "cli", "plan.ts");

/** Runs `npm run plan -- ...args` as a child process, as CI does. */
async function plan(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--require", "tsx/cjs", cli, ...args],
    {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout;
}

const resource = (
  type: string,
  name: string,
  parent: string | null,
  inputs: PlanResource["inputs"] = {},
): PlanResource => ({
  type,
  name,
  parent,
  inputs,
});

describe("the plan tool (npm run plan)", () => {
  let dev: Plan;
  let lab: Plan;
  let devAgain: Plan;
  let devText: string;
  let labText: string;
  before(async () => {
    dev = await computePlan("dev");
    lab = await computePlan("lab");
    devAgain = await computePlan("dev");
    devText = formatPlan(dev);
    labText = formatPlan(lab);
  });

  it("lists the whole pipeline of the dev stack (engine lambda) offline, each resource with type, name and parent", () => {
    const types = dev.resources.map((r) => r.type);
    for (const type of [
      "pulumi:pulumi:Stack",
      "clickstream-sessionizer:pipeline:Pipeline",
      "aws:kinesis/stream:Stream",
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "aws:lambda/function:Function",
      "aws:sqs/queue:Queue",
      "aws:dynamodb/table:Table",
      "aws:iam/role:Role",
      "aws:iam/rolePolicy:RolePolicy",
      "aws:cloudwatch/logGroup:LogGroup",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
    ]) {
      expect(types, type).to.include(type);
    }
    expect(dev.resources[0]).to.deep.equal(
      resource("pulumi:pulumi:Stack", "clickstream-sessionizer-dev", null),
    );
    const pipeline = "clickstream-sessionizer:pipeline:Pipeline::sessionizer";
    const engine = "clickstream-sessionizer:engines:LambdaEngine::sessionizer";
    expect(dev.resources.find((r) => `${r.type}::${r.name}` === engine)?.parent).to.equal(pipeline);
    // The stack's AWS provider sits beside the pipeline; everything else is inside it.
    const provider = "pulumi:providers:aws";
    expect(dev.resources.find((r) => r.type === provider)?.parent).to.equal(
      "pulumi:pulumi:Stack::clickstream-sessionizer-dev",
    );
    expect(
      dev.resources
        .slice(2)
        .filter((r) => r.type !== provider)
        .every((r) => [pipeline, engine].includes(r.parent ?? "")),
    ).to.equal(true);
  });

  it("shows the options that change what pulumi up does: protected data, the mapping's ignored startingPosition", () => {
    const options = (type: string) => dev.resources.find((r) => r.type === type)?.options;
    expect(options("aws:kinesis/stream:Stream")).to.deep.equal({ protect: true });
    expect(options("aws:dynamodb/table:Table")).to.deep.equal({ protect: true });
    expect(options("aws:lambda/eventSourceMapping:EventSourceMapping")).to.deep.equal({
      deleteBeforeReplace: true,
      ignoreChanges: ["startingPosition"],
    });
    expect(options("aws:sqs/queue:Queue")).to.equal(undefined);
    expect(lab.resources.find((r) => r.type === "aws:kinesis/stream:Stream")?.options).to.equal(
      undefined,
    );
  });

  it("prints the same plan, byte for byte, every time", () => {
    expect(JSON.stringify(devAgain)).to.equal(JSON.stringify(dev));
  });

  it("shows every ARN in AWS's shape, built from the resource's type, name and region, so IAM can be reviewed", () => {
    const account = "123456789012";
    expect(dev.outputs["streamArn"]).to.equal(
      `arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream`,
    );
    const policy = dev.resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
    const resources = (
      policy?.inputs["policy"] as { Statement: { Resource: string[] }[] }
    ).Statement.flatMap((s) => s.Resource);
    expect(resources).to.include.members([
      `arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream`,
      `arn:aws:dynamodb:us-west-2:${account}:table/clickstream-sessionizer-dev-sessions`,
      `arn:aws:dynamodb:us-west-2:${account}:table/clickstream-sessionizer-dev-state`,
      `arn:aws:sqs:us-west-2:${account}:${autoName("sessionizer-failed-batches")}`,
      `arn:aws:logs:us-west-2:${account}:log-group:/aws/lambda/clickstream-sessionizer-dev-function:log-stream:*`,
    ]);
    expect(labText).to.contain(
      `resourceArn: "arn:aws:lambda:us-west-2:${account}:function:lab-function"`,
    );
    // Roles are auto-named from a prefix with the region in it; IAM adds 26 characters.
    expect(labText).to.contain(
      `roleArn: "arn:aws:iam::${account}:role/${autoName("sessionizer-application-role", "lab-us-west-2-")}"`,
    );
    expect(devText).to.contain(
      `eventSourceArn: "arn:aws:kinesis:us-west-2:${account}:stream/clickstream-sessionizer-dev-stream"`,
    );
    // Below the two lines of the heading, no value is left unknown.
    expect(devText.split("\n").slice(3).join("\n")).to.not.contain("(computed)");
  });

  it("shows the SQL and the input schema as text on every engine", () => {
    const fn = dev.resources.find((r) => r.type === "aws:lambda/function:Function");
    const code = fn?.inputs["code"] as Record<string, string>;
    // The dev stack runs the product's application; the lab stack the lab's.
    expect(code["product.sql"]).to.equal(readApplicationSql("product"));
    expect(JSON.parse(code["input-schema.json"]!)).to.deep.equal(productInputSchema);
    expect(code["index.js"]).to.match(/^sha256:[0-9a-f]{64} \(\d+ bytes\)$/);
    const app = lab.resources.find(
      (r) => r.type === "aws:kinesis/analyticsApplication:AnalyticsApplication",
    );
    expect(app?.inputs["code"]).to.equal(readSessionizeSql());
    expect(JSON.stringify(app?.inputs["inputs"])).to.contain('"sqlType":"VARCHAR(32)"');
  });

  it("gives the dev and lab stacks different physical names, the lab its fixed ones", () => {
    const names = (p: Plan): string[] =>
      p.resources
        // Inline policy and log stream names are scoped to their role and log group.
        .filter(
          (r) =>
            !["aws:iam/rolePolicy:RolePolicy", "aws:cloudwatch/logStream:LogStream"].includes(
              r.type,
            ),
        )
        .map((r) => r.inputs["name"])
        .filter((n): n is string => typeof n === "string");
    const shared = names(dev).filter((n) => names(lab).includes(n));
    expect(shared).to.deep.equal([]);
    expect(names(lab)).to.include.members([
      "lab-stream",
      "lab-application",
      "lab-function",
      "CloudAcademyLabs",
    ]);
    expect(lab.outputs).to.include({
      streamName: "lab-stream",
      sessionsTableName: "CloudAcademyLabs",
    });
  });

  it("plans exactly the chosen engine's resources: the SQL application for the lab, the event source mapping for dev", () => {
    const keys = (p: Plan): string[] => p.resources.slice(1).map((r) => `${r.type}::${r.name}`);
    const onlyLab = keys(lab).filter((k) => !keys(dev).includes(k));
    const onlyDev = keys(dev).filter((k) => !keys(lab).includes(k));
    expect(onlyLab).to.deep.equal([
      "clickstream-sessionizer:engines:KdaSqlEngine::sessionizer",
      "aws:cloudwatch/logGroup:LogGroup::sessionizer-application-logs",
      "aws:cloudwatch/logStream:LogStream::sessionizer-application-log-stream",
      "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-application-behind",
      "aws:iam/role:Role::sessionizer-application-role",
      "aws:iam/rolePolicy:RolePolicy::sessionizer-application-policy",
      "aws:kinesis/analyticsApplication:AnalyticsApplication::sessionizer-application",
    ]);
    expect(onlyDev).to.deep.equal([
      // The dev stack's alarm topic (alarmTopic create); the lab's alarms notify no one.
      "aws:sns/topic:Topic::sessionizer-alarms",
      "clickstream-sessionizer:engines:LambdaEngine::sessionizer",
      "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-concurrent-batches",
      "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-destination-delivery-failures",
      "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-failed-batches-alarm",
      "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-function-iterator-age",
      "aws:cloudwatch/metricAlarm:MetricAlarm::sessionizer-state-throttles",
      "aws:dynamodb/table:Table::sessionizer-state",
      "aws:lambda/eventSourceMapping:EventSourceMapping::sessionizer-event-source",
      "aws:sqs/queue:Queue::sessionizer-failed-batches",
    ]);
  });

  it("prints the plan for people with the SQL, outputs, the end-of-life warning and a count", () => {
    expect(devText).to.match(/^Plan of stack dev \(project clickstream-sessionizer\)/);
    expect(devText).to.contain("product.sql:");
    expect(devText).to.contain('SQL_APPLICATION: "product"');
    expect(devText).to.contain("+         aws:sns/topic:Topic: sessionizer-alarms");
    expect(devText).to.contain(
      "aws:cloudwatch/metricAlarm:MetricAlarm: sessionizer-concurrent-batches",
    );
    expect(devText).to.contain(
      "aws:cloudwatch/metricAlarm:MetricAlarm: sessionizer-dead-letters-written",
    );
    expect(devText).to.contain("+         aws:kinesis/stream:Stream: sessionizer-stream");
    expect(labText).to.contain('WHERE "session_timestamp" IS NOT NULL;');
    expect(devText).to.contain(
      'simulatorCommand: "npm run simulate -- --stream clickstream-sessionizer-dev-stream',
    );
    expect(labText).to.contain(
      "AWS ended Kinesis Data Analytics for SQL applications on 2026-01-27",
    );
    expect(devText).to.not.contain("AWS ended Kinesis Data Analytics");
    expect(devText).to.match(new RegExp(`Resources: ${dev.resources.length} to create\\n$`));
  });

  it("diffs the working tree's plan against a saved base plan, property by property", async () => {
    const base = JSON.parse(JSON.stringify(lab)) as {
      resources: { type: string; name: string; inputs: Record<string, unknown> }[];
    };
    const fn = base.resources.find((r) => r.type === "aws:lambda/function:Function")!;
    fn.inputs["memorySize"] = 128;
    base.resources.push({
      type: "aws:sns/topic:Topic",
      name: "sessionizer-alarms",
      inputs: { name: "old" },
    });
    base.resources = base.resources.filter((r) => r.type !== "aws:cloudwatch/logStream:LogStream");
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "plan-")), "base.json");
    fs.writeFileSync(file, JSON.stringify(base));
    const text = await plan("--stack", "lab", "--diff", file);
    expect(text).to.contain(
      "~ aws:lambda/function:Function: sessionizer-function (update) [diff: ~memorySize]",
    );
    expect(text).to.contain("-      memorySize: 128\n+      memorySize: 256");
    expect(text).to.contain(
      "+ aws:cloudwatch/logStream:LogStream: sessionizer-application-log-stream (create)",
    );
    expect(text).to.contain(
      '- aws:sns/topic:Topic: sessionizer-alarms (delete)\n-      name: "old"',
    );
    expect(text).to.match(
      /Resources: 1 to create, 1 to update, 0 to replace, 1 to delete, \d+ unchanged\.\n$/,
    );
  });

  it("has a help text with every option and its default", () => {
    expect(parsePlanArguments(["--help"]).help).to.equal(true);
    for (const option of ["--stack NAME", "--json", "--diff BASE.json", "(default: dev)"])
      expect(usage).to.contain(option);
  });
});

describe("the plan's building blocks", () => {
  it("fails with the configuration's errors, by key, when a stack file is invalid", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-stack-"));
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      "config:\n  clickstream-sessionizer:retentionHours: 12\n  clickstream-sessionizer:streamMode: fast\n",
    );
    const failure = await computePlan("bad", dir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(ConfigError);
    expect((failure as ConfigError).problems).to.deep.equal([
      'clickstream-sessionizer:streamMode = "fast": must be one of provisioned, on-demand',
      'clickstream-sessionizer:retentionHours = "12": must be an integer from 24 to 8760',
    ]);
  });

  it("masks secret inputs and outputs as [secret]", async () => {
    const run = await runUnderMocks({
      project: "p",
      stack: "s",
      config: { "aws:region": "us-west-2" },
      preview: true,
      program: () => {
        const topic = new aws.sns.Topic("t", { name: "t", displayName: pulumi.secret("hidden") });
        return { name: topic.name, token: pulumi.secret("hidden") };
      },
    });
    const result = await planFromRun("p", "s", run);
    const topic = result.resources.find((r) => r.type === "aws:sns/topic:Topic");
    // With the region pulumi-aws gives a regional resource that sets none.
    expect(topic?.inputs).to.deep.equal({
      name: "t",
      displayName: "[secret]",
      region: "us-west-2",
    });
    expect(result.outputs).to.deep.equal({ name: "t", token: "[secret]" });
    expect(JSON.stringify(result)).to.not.contain("hidden");
  });

  it("keeps secure config values secret when reading a stack file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: p\nruntime: nodejs\nconfig:\n  size:\n    type: integer\n    default: 2\n",
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.s.yaml"),
      "config:\n  p:token:\n    secure: AAABAxyz\n  p:list: [a, b]\n",
    );
    const config = readStackConfig(dir, "s");
    expect(config.values).to.deep.equal({
      "p:size": "2",
      "p:token": "[secret]",
      "p:list": '["a","b"]',
    });
    expect(config.secretKeys).to.deep.equal(["p:token"]);
    expect(() => readStackConfig(dir, "prod")).to.throw(
      /Pulumi.prod.yaml not found .*no stack named "prod"/,
    );
  });

  it("normalises values: unknowns computed, keys sorted, archives hashed", async () => {
    expect(await toPlanValue(pulumi.unknown)).to.equal("(computed)");
    expect(JSON.stringify(await toPlanValue({ b: 1, a: [undefined, 2] }))).to.equal(
      '{"a":[null,2],"b":1}',
    );
    const archive = new pulumi.asset.AssetArchive({
      "index.js": new pulumi.asset.StringAsset("x"),
    });
    expect(await toPlanValue(archive)).to.deep.equal({
      "index.js":
        "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881 (1 bytes)",
    });
  });

  it("orders resources parent first, children by type and name, whatever the creation order", () => {
    const ordered = orderResources([
      resource("b:b:B", "z", "s:s:S::root"),
      resource("c:c:C", "c", "b:b:B::y"),
      resource("b:b:B", "y", "s:s:S::root"),
      resource("s:s:S", "root", null),
    ]).map((r) => r.name);
    expect(ordered).to.deep.equal(["root", "y", "c", "z"]);
  });

  it("reports no changes between equal plans", () => {
    const p: Plan = {
      project: "p",
      stack: "s",
      resources: [resource("a:a:A", "x", null, { k: 1 })],
      outputs: {},
      warnings: [],
    };
    expect(formatDiff(diffPlans(p, p))).to.equal(
      "Plan diff of stack s:\nNo changes: 1 resources unchanged.\n",
    );
  });

  it("shows a change of the SQL as a line diff with context", () => {
    expect(lineDiff("a\nb\nc\nd\ne\nf\n", "a\nb\nc\nD\ne\nf\n")).to.deep.equal([
      " ...",
      " b",
      " c",
      "-d",
      "+D",
      " e",
      " f",
    ]);
  });

  it("shows changed, added and removed properties with dotted paths", () => {
    const before: Plan = {
      project: "p",
      stack: "s",
      resources: [resource("a:a:A", "x", null, { p: { q: [1, 2] }, gone: true })],
      outputs: {},
      warnings: [],
    };
    const after: Plan = {
      ...before,
      resources: [resource("a:a:A", "x", null, { p: { q: [1, 3] }, fresh: "y" })],
    };
    const diff = diffPlans(before, after);
    expect(diff.resources[0]?.properties).to.deep.equal([
      { path: "fresh", kind: "added", after: "y" },
      { path: "gone", kind: "removed", before: true },
      { path: "p.q[1]", kind: "changed", before: 2, after: 3 },
    ]);
    expect(formatPlan(after)).to.contain('fresh: "y"');
  });

  it("rejects a base file that is not a plan, naming it", () => {
    expect(() => parsePlanJson("nope", "base.json")).to.throw(/^base.json is not JSON/);
    expect(() => parsePlanJson('{"resources": 3}', "base.json")).to.throw(
      /^base.json is not a plan/,
    );
  });

  it("rejects unknown arguments and a flag without its value", () => {
    expect(() => parsePlanArguments(["--stak", "dev"])).to.throw(
      /Unknown option "--stak"; expected --stack NAME/,
    );
    expect(() => parsePlanArguments(["--stack"])).to.throw(/--stack needs a value/);
    expect(parsePlanArguments(["--stack", "lab", "--json"])).to.deep.equal({
      stack: "lab",
      json: true,
      diffBase: undefined,
      help: false,
    });
  });
});
