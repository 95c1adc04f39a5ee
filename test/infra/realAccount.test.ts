/**
 * What a real account would reject, or an ordinary change would destroy, and the mocks alone cannot
 * show (issue 15): rules on the resource options the mocks record, on names, the provider, the
 * outputs, the bundle, and `pulumi up` with an engine AWS no longer deploys.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { bundleFileNames } from "../../infra/bundle";
import { EngineNotDeployableError, assertDeployable } from "../../infra/engines";
import { kdaSqlNotDeployable } from "../../infra/engines/kdaSql";
import { runUnderMocks } from "../../infra/plan/mocks";
import { readStackConfig } from "../../infra/plan/stackConfig";
import { consoleLinks, putRecordCommand } from "../../infra/outputs";
import { resourceType, runStack, type MockedStack, type PolicyDocument } from "./mockedStack";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { computePlan } from "../../infra/plan/computePlan";

const key = (name: string): string => `clickstream-sessionizer:${name}`;
const keyOf = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;

describe("resource options a deployment depends on (dev stack, engine lambda)", () => {
  let dev: MockedStack;
  before(async () => {
    dev = await runStack("dev");
  });

  it("ignores startingPosition after the event source mapping is created, and deletes the old mapping before a replacement", () => {
    const mapping = dev.one(resourceType.mapping);
    expect(mapping.options.ignoreChanges).to.deep.equal(["startingPosition"]);
    expect(mapping.options.deleteBeforeReplace).to.equal(true);
  });

  it("protects the stream and the shared tables, retains the state table, and never deletes one before its replacement exists", () => {
    const data = [dev.one(resourceType.stream), ...dev.all(resourceType.table)];
    expect(data).to.have.length(4);
    for (const resource of data) {
      // The state table is engine lambda's own: retained, so a switch of engine is one `up`.
      const state = resource.name.endsWith("-state");
      expect(resource.options.protect, resource.name).to.equal(!state);
      expect(resource.options.retainOnDelete, resource.name).to.equal(state);
      expect(resource.options.deleteBeforeReplace, resource.name).to.equal(false);
    }
    for (const table of dev.all(resourceType.table))
      expect(table.inputs["deletionProtectionEnabled"], table.name).to.equal(true);
  });

  it("protects nothing that holds no data, so a change to it never needs a manual unprotect", () => {
    const protectedOnes = dev.resources.filter((r) => r.options.protect).map((r) => r.type);
    expect([...new Set(protectedOnes)].sort()).to.deep.equal([
      resourceType.table,
      resourceType.stream,
    ]);
  });

  it("creates the function after its role's policy, so the first invocation can already write", () => {
    const fn = dev.one(resourceType.function);
    expect(fn.options.dependsOn).to.deep.equal([keyOf(dev.one(resourceType.rolePolicy))]);
  });

  it("auto-names what nobody types: roles, policies, alarms, the queue, the topic", async () => {
    const withTopic = await runStack("dev", { [key("alarmTopic")]: "create" });
    const autoNamed = [
      resourceType.role,
      resourceType.rolePolicy,
      resourceType.alarm,
      resourceType.queue,
      resourceType.topic,
    ];
    const resources = withTopic.resources.filter((r) => autoNamed.includes(r.type as never));
    expect(resources.length).to.be.greaterThan(10);
    for (const r of resources) expect(r.inputs, keyOf(r)).to.not.have.property("name");
  });

  it("gives the IAM role, whose name is global, a name prefix with the stack's region", async () => {
    const prefixOf = (stack: MockedStack): unknown =>
      stack.one(resourceType.role).inputs["namePrefix"];
    expect(prefixOf(dev)).to.equal("clickstream-sessionizer-dev-us-west-2-");
    const ireland = await runStack("dev", { "aws:region": "eu-west-1" });
    expect(prefixOf(ireland)).to.equal("clickstream-sessionizer-dev-eu-west-1-");
  });

  it("sets no tags on any resource: the stack's tags are the provider's default tags", () => {
    for (const r of dev.resources) expect(r.inputs, keyOf(r)).to.not.have.property("tags");
    const provider = dev.one(resourceType.provider);
    expect(JSON.parse(String(provider.inputs["defaultTags"]))).to.deep.equal({
      tags: { project: "clickstream-sessionizer", stack: "dev", environment: "dev" },
    });
    expect(provider.inputs["region"]).to.equal("us-west-2");
  });

  it("gives every resource the stack's provider, through the pipeline", () => {
    const pipeline = dev.one("clickstream-sessionizer:pipeline:Pipeline");
    expect(pipeline.parent).to.equal("pulumi:pulumi:Stack::clickstream-sessionizer-dev");
    for (const r of dev.resources.filter((r) => r.type.startsWith("aws:")))
      expect(r.parent, keyOf(r)).to.not.equal("pulumi:pulumi:Stack::clickstream-sessionizer-dev");
  });

  it("takes the region of kms:ViaService from the provider", async () => {
    const cmk = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const stack = await runStack("dev", { "aws:region": "eu-west-1", [key("streamKmsKey")]: cmk });
    const policy = stack.one(resourceType.rolePolicy).inputs["policy"] as PolicyDocument;
    const decrypt = policy.Statement.find((s) => s.Sid === "DecryptStream");
    expect(decrypt?.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "kinesis.eu-west-1.amazonaws.com" },
    });
  });

  it("alarms on batches the event source mapping failed to hand to the failed-batches queue", () => {
    const alarm = dev.one(resourceType.alarm, "destination-delivery-failures").inputs;
    expect(alarm).to.deep.include({
      namespace: "AWS/Lambda",
      metricName: "DestinationDeliveryFailures",
      statistic: "Sum",
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      dimensions: { FunctionName: "clickstream-sessionizer-dev-function" },
    });
  });

  it("exports the region, console links and a put-record command, and no alarm topic when there is none", async () => {
    expect(dev.outputs).to.include({
      region: "us-west-2",
      putRecordCommand: putRecordCommand({
        region: "us-west-2",
        stream: "clickstream-sessionizer-dev-stream",
      }),
    });
    expect(dev.outputs["consoleLinks"]).to.deep.equal(
      consoleLinks({
        region: "us-west-2",
        stream: "clickstream-sessionizer-dev-stream",
        function: "clickstream-sessionizer-dev-function",
        sessionsTable: "clickstream-sessionizer-dev-sessions",
        deadLetterTable: "clickstream-sessionizer-dev-dead-letters",
      }),
    );
    // The dev stack creates its alarm topic (alarmTopic create); without one there is no output.
    expect(dev.outputs).to.have.property("alarmTopicArn");
    const withoutTopic = await runStack("dev", { "clickstream-sessionizer:alarmTopic": "none" });
    expect(withoutTopic.outputs).to.not.have.property("alarmTopicArn");
    expect(JSON.stringify(withoutTopic.outputs)).to.not.contain('"none"');
  });

  it("ships a minified bundle with its source map, enabled through NODE_OPTIONS", async () => {
    const fn = dev.one(resourceType.function).inputs;
    const assets = await (fn["code"] as pulumi.asset.AssetArchive).assets;
    const code = await (assets[bundleFileNames.code] as pulumi.asset.StringAsset).text;
    const map = JSON.parse(
      await (assets[bundleFileNames.sourceMap] as pulumi.asset.StringAsset).text,
    ) as { sources: string[]; sourcesContent?: unknown };
    expect(code.trimEnd().split("\n").pop()).to.equal(
      `//# sourceMappingURL=${bundleFileNames.sourceMap}`,
    );
    // Minified: thousands of characters a line (esbuild's readable output has about 40).
    expect(code.length / code.split("\n").length).to.be.greaterThan(1000);
    expect(map.sources).to.include("handlers/sessionize-stream.ts");
    expect(map.sources.every((s) => !path.isAbsolute(s))).to.equal(true);
    expect(map).to.not.have.property("sourcesContent");
    expect((fn["environment"] as { variables: Record<string, string> }).variables).to.include({
      NODE_OPTIONS: "--enable-source-maps",
    });
  });
});

describe("the lab stack, a throw-away stack that opts out of protection", () => {
  it("protects neither the stream nor the tables, and says so in its stack file", async () => {
    const lab = await runStack("lab", {}, { preview: true });
    for (const r of [lab.one(resourceType.stream), ...lab.all(resourceType.table)])
      expect(r.options.protect, r.name).to.equal(false);
    for (const table of lab.all(resourceType.table))
      expect(table.inputs["deletionProtectionEnabled"], table.name).to.equal(false);
    const file = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.lab.yaml"), "utf8");
    expect(file).to.match(/throw-away lab.*\n.*deletionProtection: "false"/s);
  });
});

describe("long-lived stack files", () => {
  it("pin their name prefix, so renaming the stack renames no resource", () => {
    const root = path.join(__dirname, "..", "..");
    const stacks = fs
      .readdirSync(root)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    expect(stacks).to.include.members(["dev", "lab"]);
    for (const stack of stacks)
      expect(readStackConfig(root, stack).values[key("namePrefix")], stack).to.match(/^\S+$/);
  });
});

describe("the plan of stacks with odd but valid names", () => {
  for (const stack of ["production-us-east-1", "integration.test.123456"]) {
    it(`plans the stack ${stack}, the dev stack file without its pinned prefix, with valid names`, async () => {
      const root = path.join(__dirname, "..", "..");
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "odd-stack-"));
      fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const dev = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
      fs.writeFileSync(
        path.join(dir, `Pulumi.${stack}.yaml`),
        dev.replace(/^ {2}clickstream-sessionizer:namePrefix:.*\n/m, ""),
      );
      const plan = await computePlan(stack, dir);
      const fn = plan.resources.find((r) => r.type === resourceType.function);
      expect(fn?.inputs["name"]).to.match(/^[A-Za-z0-9_-]{1,64}$/);
      expect(plan.outputs["streamName"]).to.match(
        /^clickstream-sessionizer-[A-Za-z0-9_-]+-stream$/,
      );
    });
  }
});

describe("pulumi up with engine kda-sql", () => {
  it("stops before the program creates anything, saying why and what to do instead", async () => {
    const registered: string[] = [];
    const config = { ...readStackConfig(path.join(__dirname, "..", ".."), "lab").values };
    const failure = await runUnderMocks({
      project: "clickstream-sessionizer",
      stack: "lab",
      config,
      preview: false,
      program: () => {
        pulumi.runtime.registerResourceTransform((args) => {
          registered.push(`${args.type}::${args.name}`);
          return undefined;
        });
        const entry = path.join(__dirname, "..", "..", "infra", "index.ts");
        delete require.cache[require.resolve(entry)];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(entry) as Record<string, unknown>;
      },
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(EngineNotDeployableError);
    expect((failure as Error).message).to.equal(kdaSqlNotDeployable);
    expect(registered).to.deep.equal([]);
    for (const hint of ["Nothing was created", "engine lambda", "pulumi preview", "npm start"])
      expect(kdaSqlNotDeployable).to.contain(hint);
  });

  it("still previews, and deploys the lambda engine", () => {
    expect(() => assertDeployable("kda-sql", true)).to.not.throw();
    expect(() => assertDeployable("lambda", false)).to.not.throw();
    expect(() => assertDeployable("kda-sql", false)).to.throw(EngineNotDeployableError);
  });
});
