import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { computePlan } from "../../infra/plan/computePlan";
import { diffPlans, formatDiff, lineDiff, maxLineEdits } from "../../infra/plan/diff";
import type { Plan, PlanResource } from "../../infra/plan/model";
import { forcingInputs, isLogicalOnly, replacingInputs } from "../../infra/plan/replacements";

const root = path.join(__dirname, "..", "..");
const project = "clickstream-sessionizer";

/**
 * The plan of `stack` computed from a copy of its stack file with `changes` applied to its config
 * (keys without the project's namespace), as a reviewer would try a change.
 */
async function planWith(stack: string, changes: Record<string, string>): Promise<Plan> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-copy-"));
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const file = `Pulumi.${stack}.yaml`;
  const settings = parse(fs.readFileSync(path.join(root, file), "utf8")) as {
    config: Record<string, unknown>;
  };
  for (const [key, value] of Object.entries(changes)) settings.config[`${project}:${key}`] = value;
  fs.writeFileSync(path.join(dir, file), stringify(settings));
  return computePlan(stack, dir);
}

const key = (r: PlanResource): string => `${r.type}::${r.name}`;
const table = "aws:dynamodb/table:Table";

/** A one-resource plan. */
const single = (resource: Partial<PlanResource>): Plan => ({
  project: "p",
  stack: "s",
  resources: [
    {
      type: table,
      name: "t",
      parent: null,
      inputs: { name: "t" },
      ...resource,
    },
  ],
  outputs: {},
  warnings: [],
});

describe("the plan diff (npm run plan -- --diff)", () => {
  let dev: Plan;
  before(async () => {
    dev = await computePlan("dev");
  });

  it("prints a renamed sessions table as a replacement, the data-loss warning first", async () => {
    const renamed = await planWith("dev", { sessionsTableName: "renamed-sessions" });
    const text = formatDiff(diffPlans(dev, renamed));
    const lines = text.split("\n");
    expect(lines[0]).to.equal("Plan diff of stack dev:");
    expect(lines[1]).to.match(
      /^! data (loss|at risk): aws:dynamodb\/table:Table sessionizer-sessions is replaced \(name cannot change in place\); /,
    );
    expect(lines[1]).to.contain("items");
    expect(text).to.contain(
      "+- aws:dynamodb/table:Table: sessionizer-sessions (replace) [diff: ~name] [replace: name]\n" +
        '-      name: "clickstream-sessionizer-dev-sessions"\n' +
        '+      name: "renamed-sessions"\n',
    );
    expect(text).to.contain(
      '+      policy.Statement[1].Resource[0]: "arn:aws:dynamodb:us-west-2:123456789012:table/renamed-sessions"',
    );
    expect(text).to.match(/Resources: 0 to create, 3 to update, 1 to replace, 0 to delete, /);
  });

  it("replaces what a renamed stream takes with it: the event source mapping reads the new stream's ARN", async () => {
    const renamed = await planWith("dev", { streamName: "renamed-stream" });
    const diff = diffPlans(dev, renamed);
    const replaced = diff.resources
      .filter((r) => r.kind === "replaced")
      .map((r) => [`${r.type}::${r.name}`, r.forcedBy]);
    expect(replaced).to.deep.equal([
      ["aws:kinesis/stream:Stream::sessionizer-stream", ["name"]],
      [
        "aws:lambda/eventSourceMapping:EventSourceMapping::sessionizer-event-source",
        ["eventSourceArn"],
      ],
    ]);
    expect(diff.warnings.map((w) => `${w.type}::${w.name}`)).to.deep.equal([
      "aws:kinesis/stream:Stream::sessionizer-stream",
    ]);
    expect(diff.warnings[0]?.holds).to.match(/^records/);
  });

  it("warns first about every data-bearing resource a change deletes (engine lambda -> kda-sql)", async () => {
    const switched = await planWith("dev", { engine: "kda-sql" });
    const diff = diffPlans(dev, switched);
    expect(diff.warnings.map((w) => [w.kind, `${w.type}::${w.name}`])).to.deep.equal([
      ["removed", "aws:dynamodb/table:Table::sessionizer-state"],
      ["removed", "aws:sqs/queue:Queue::sessionizer-failed-batches"],
    ]);
    const text = formatDiff(diff);
    expect(text.split("\n").slice(1, 3)).to.deep.equal(diff.warnings.map((w) => w.message));
    // The state table is retained (retainOnDelete: engine lambda's own table), the queue not.
    expect(diff.warnings[0]?.message).to.match(
      /^! data at risk: aws:dynamodb\/table:Table sessionizer-state is deleted \(the program no longer creates it\); the old one stays in the account with its items \(retainOnDelete\), outside the stack$/,
    );
    expect(diff.warnings[1]?.message).to.match(
      /^! data loss: aws:sqs\/queue:Queue sessionizer-failed-batches is deleted .*; its messages .* are lost/,
    );
    // The shared tables and the stream stay.
    expect(diff.resources.filter((r) => r.kind === "removed" && r.type === table)).to.have.length(
      1,
    );
  });

  it("diffs a copy of a stack file under another name like the stack it copies: the pinned name prefix keeps every resource", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-try-"));
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.copyFileSync(path.join(root, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.try.yaml"));
    const diff = diffPlans(dev, await computePlan("try", dir));
    expect(diff.resources.filter((r) => r.kind !== "changed")).to.deep.equal([]);
    expect(diff.warnings).to.deep.equal([]);

    // Without the pin, every name derived from the stack name changes: the data-bearing resources
    // are replaced, and the warnings say so.
    const unpinned = await planWith("dev", {});
    const settings = parse(fs.readFileSync(path.join(dir, "Pulumi.try.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    delete settings.config[`${project}:namePrefix`];
    fs.writeFileSync(path.join(dir, "Pulumi.try.yaml"), stringify(settings));
    const renamed = diffPlans(unpinned, await computePlan("try", dir));
    expect(renamed.warnings.map((w) => w.name)).to.include.members([
      "sessionizer-stream",
      "sessionizer-sessions",
    ]);
  });

  it("neither updates nor replaces for an input under ignoreChanges, and says that pulumi up keeps it", async () => {
    const moved = await planWith("dev", { startingPosition: "TRIM_HORIZON" });
    const diff = diffPlans(dev, moved);
    expect(diff.resources).to.deep.equal([]);
    expect(diff.ignored).to.deep.equal([
      {
        type: "aws:lambda/eventSourceMapping:EventSourceMapping",
        name: "sessionizer-event-source",
        inputs: ["startingPosition"],
      },
    ]);
    expect(formatDiff(diff)).to.contain(
      "  aws:lambda/eventSourceMapping:EventSourceMapping: sessionizer-event-source (ignoreChanges: startingPosition changed; pulumi up keeps the deployed value)\n",
    );
  });

  it("says what protects a replaced or deleted resource: protect, retainOnDelete or deletionProtectionEnabled", () => {
    const renamed = (old: Partial<PlanResource>, now: Partial<PlanResource> = old) =>
      diffPlans(single(old), single({ ...now, inputs: { ...now.inputs, name: "u" } })).warnings[0];
    expect(renamed({})?.protection).to.equal("none");
    expect(renamed({ options: { protect: true } })?.message).to.contain(
      "but it is protected (protect): pulumi up stops before changing anything",
    );
    expect(renamed({}, { options: { retainOnDelete: true } })?.message).to.contain(
      "the old one stays in the account with its items (retainOnDelete), outside the stack; the new one starts empty",
    );
    expect(renamed({ inputs: { deletionProtectionEnabled: true } })?.message).to.contain(
      "but AWS refuses to delete it (deletionProtectionEnabled): pulumi up fails after creating the new one",
    );
    const deleted = diffPlans(single({ options: { protect: true } }), {
      ...single({}),
      resources: [],
    });
    expect(deleted.warnings[0]?.message).to.match(/^! data at risk: .* is deleted .* protected/);
  });

  it("names no warning for a replaced resource that holds no data", () => {
    const role = "aws:iam/role:Role";
    const diff = diffPlans(
      single({ type: role, inputs: { name: "a" } }),
      single({ type: role, inputs: { name: "b" } }),
    );
    expect(diff.resources[0]?.kind).to.equal("replaced");
    expect(diff.warnings).to.deep.equal([]);
  });

  it("takes a resource whose old URN is one of its aliases for the same resource, moved (the engines' move)", () => {
    // The layout before the engines became components (up to 54722fd): every resource directly
    // under the pipeline.
    const pipeline = "clickstream-sessionizer:pipeline:Pipeline::sessionizer";
    const engine = "clickstream-sessionizer:engines:LambdaEngine::sessionizer";
    const before: Plan = {
      ...dev,
      resources: dev.resources
        .filter((r) => key(r) !== engine)
        .map(({ aliases: _aliases, ...r }) =>
          r.parent === engine ? { ...r, parent: pipeline } : r,
        ),
    };
    const moved = dev.resources.filter((r) => r.parent === engine);
    const diff = diffPlans(before, dev);
    expect(diff.resources.map((r) => [r.kind, `${r.type}::${r.name}`])).to.deep.equal([
      ["added", engine],
    ]);
    expect(diff.moved.map((m) => `${m.type}::${m.name}`).sort()).to.deep.equal(
      moved.map(key).sort(),
    );
    expect(diff.moved[0]?.movedFrom).to.match(
      /^urn:pulumi:dev::clickstream-sessionizer::clickstream-sessionizer:pipeline:Pipeline\$aws:/,
    );
    expect(formatDiff(diff)).to.match(
      new RegExp(`unchanged \\(${moved.length} moved through aliases\\)\\.\\n$`),
    );

    // Without the aliases the same change deletes and recreates them, state table and queue included.
    const unaliased = { ...dev, resources: dev.resources.map(({ aliases: _a, ...r }) => r) };
    const lost = diffPlans(before, unaliased);
    expect(lost.resources.filter((r) => r.kind === "removed")).to.have.length(moved.length);
    expect(lost.warnings.map((w) => w.name)).to.include.members([
      "sessionizer-state",
      "sessionizer-failed-batches",
    ]);
  });

  it("shows a change of the SQL or of the input schema on engine lambda line by line", () => {
    // The dev stack runs the product's application (sql/product.sql, its input schema).
    const base = JSON.parse(JSON.stringify(dev)) as Plan;
    const fn = base.resources.find((r) => r.type === "aws:lambda/function:Function")!;
    const code = fn.inputs["code"] as Record<string, string>;
    code["product.sql"] = code["product.sql"]!.replace('"gap_ms" > 10000;', '"gap_ms" > 20000;');
    code["input-schema.json"] = code["input-schema.json"]!.replace(
      '"sqlType": "VARCHAR(256)"',
      '"sqlType": "VARCHAR(128)"',
    );
    const text = formatDiff(diffPlans(base, dev));
    expect(text).to.contain(
      "~ aws:lambda/function:Function: sessionizer-function (update) [diff: ~code]",
    );
    expect(text).to.contain("~      code.product.sql:\n");
    expect(text).to.match(/^- {12}.*"gap_ms" > 20000;$/m);
    expect(text).to.match(/^\+ {12}.*"gap_ms" > 10000;$/m);
    expect(text).to.contain("~      code.input-schema.json:\n");
    expect(text).to.match(/^- {12} +"sqlType": "VARCHAR\(128\)",$/m);
    expect(text).to.match(/^\+ {12} +"sqlType": "VARCHAR\(256\)",$/m);
  });

  it("does not compare a value the base plan shows as (computed): an older plan could not know it", () => {
    const diff = diffPlans(
      single({ inputs: { name: "t", streamArn: "(computed)" } }),
      single({ inputs: { name: "t", streamArn: "arn:aws:dynamodb:us-west-2:1:table/t/stream/x" } }),
    );
    expect(diff.resources).to.deep.equal([]);
  });

  it("lists for every resource type the program creates the inputs that force a replacement, with a source", async () => {
    const plans = [
      dev,
      await computePlan("lab"),
      await planWith("dev", { alarmTopic: "create" }),
      await planWith("dev", { alarmTopic: "ops@example.com" }),
    ];
    const types = new Set(plans.flatMap((p) => p.resources.map((r) => r.type)));
    expect(types).to.include("aws:sns/topic:Topic");
    expect(types).to.include("aws:sns/topicSubscription:TopicSubscription");
    for (const type of types) {
      if (isLogicalOnly(type)) {
        expect(type, "a component of this project or the stack").to.match(
          /^(clickstream-sessionizer:|pulumi:pulumi:Stack$)/,
        );
        continue;
      }
      const rule = replacingInputs[type];
      expect(rule, `${type} has no entry in infra/plan/replacements.ts`).to.not.equal(undefined);
      // Only the provider may have none: since pulumi-aws 7 a new region updates it in place.
      if (type !== "pulumi:providers:aws")
        expect(
          [...rule!.inputs, ...forcingInputs(type, ["region"])],
          type,
        ).to.have.length.greaterThan(0);
      expect(rule!.source, type).to.match(/^https:\/\//);
    }
    // What holds data: the stream, the tables, the failed-batches queue, the Flink application's
    // snapshots, buckets (except the program's own, which holds only JARs it rebuilds).
    expect(
      Object.entries(replacingInputs)
        .filter(([, rule]) => rule.holds !== undefined)
        .map(([type]) => type)
        .sort(),
    ).to.deep.equal([
      "aws:dynamodb/table:Table",
      "aws:kinesis/stream:Stream",
      "aws:kinesisanalyticsv2/application:Application",
      "aws:s3/bucketV2:BucketV2",
      "aws:sqs/queue:Queue",
    ]);
  });

  it("names each forcing input once, nested paths by their top-level input", () => {
    expect(
      forcingInputs(table, [
        "localSecondaryIndexes[0].name",
        "localSecondaryIndexes[1].name",
        "tags.a",
      ]),
    ).to.deep.equal(["localSecondaryIndexes"]);
    expect(forcingInputs(table, ["nameSuffix"])).to.deep.equal([]);
    expect(forcingInputs("aws:unknown/thing:Thing", ["name"])).to.deep.equal([]);
  });
});

describe("the line diff", () => {
  const lines = (count: number, prefix: string): string =>
    Array.from({ length: count }, (_, i) => `${prefix} ${i}`).join("\n");

  it("finds the one changed line of two 16,000-line texts, with two lines of context", () => {
    const before = lines(16_000, "line");
    const after = before.replace("line 8000\n", "LINE 8000\n");
    expect(lineDiff(before, after)).to.deep.equal([
      " ...",
      " line 7998",
      " line 7999",
      "-line 8000",
      "+LINE 8000",
      " line 8001",
      " line 8002",
      " ...",
    ]);
  });

  it("diffs two entirely different 16,000-line texts in linear memory: old lines, then new", () => {
    const result = lineDiff(lines(16_000, "old"), lines(16_000, "new"));
    expect(result).to.have.length(32_000);
    expect(result[0]).to.equal("-old 0");
    expect(result[15_999]).to.equal("-old 15999");
    expect(result[16_000]).to.equal("+new 0");
  });

  it(`gives up on a minimal diff beyond ${maxLineEdits} edits but still shows every changed line in order`, () => {
    const before = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
    const after = before.map((line, i) => (i % 2 === 0 ? line.toUpperCase() : line));
    const result = lineDiff(before.join("\n"), after.join("\n"));
    const removed = result.filter((l) => l.startsWith("-")).map((l) => l.slice(1));
    const added = result.filter((l) => l.startsWith("+")).map((l) => l.slice(1));
    // Common first and last lines are kept aside; the middle is shown whole.
    expect(removed).to.deep.equal(before.slice(0, 2999));
    expect(added).to.deep.equal(after.slice(0, 2999));
  });
});
