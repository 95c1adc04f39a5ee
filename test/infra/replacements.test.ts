/**
 * Every config key changed on the dev stack, planned the way `pulumi up` would carry it out: which
 * resources are updated, replaced (create the new one, then delete the old one, unless
 * `deleteBeforeReplace`), created or deleted; and, while old and new resources exist side by side,
 * no two of them may claim the same physical name, which AWS would refuse (`ResourceConflictException`,
 * `ResourceInUseException`, `EntityAlreadyExists`) in the middle of the update.
 */
import { expect } from "chai";
import { configKeys } from "../../infra/config";
import { replacingInputs } from "../../infra/plan/replacements";
import type { RecordedResource } from "../../infra/plan/mocks";
import { runStack, type MockedStack } from "./mockedStack";
import { runUrns } from "../../infra/plan/urns";

const key = (name: string): string => `clickstream-sessionizer:${name}`;
const keyOf = (r: { type: string; name: string }): string => `${r.type}::${r.name}`;
const cmk = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** One change of one key: from the dev stack (with `base` on top) to `value`. */
interface ChangeCase {
  readonly key: string;
  readonly value: string;
  readonly base?: Readonly<Record<string, string>>;
  /** Whether the change replaces or swaps out resources (otherwise it only updates or adds). */
  readonly replaces: boolean;
}

const kdaSql = { [key("engine")]: "kda-sql" };
const flink = { [key("engine")]: "flink" };
const cases: readonly ChangeCase[] = [
  { key: "aws:region", value: "eu-west-1", replaces: true },
  { key: key("engine"), value: "lambda", base: kdaSql, replaces: true },
  // The sessionizer's resources go, the Flink application's come; no name is claimed twice.
  { key: key("engine"), value: "flink", replaces: true },
  { key: key("engine"), value: "lambda", base: flink, replaces: true },
  // Another job spec is another JAR: a new object beside the old one, which is then deleted; the
  // application is updated in place (new code, same snapshots).
  { key: key("sqlApplication"), value: "lab", base: flink, replaces: true },
  { key: key("applicationName"), value: "renamed-application", base: flink, replaces: true },
  { key: key("flinkRuntime"), value: "FLINK-1_19", base: flink, replaces: false },
  { key: key("flinkParallelism"), value: "8", base: flink, replaces: false },
  { key: key("flinkParallelismPerKpu"), value: "4", base: flink, replaces: false },
  { key: key("flinkAutoScaling"), value: "true", base: flink, replaces: false },
  { key: key("flinkCheckpointIntervalMs"), value: "30000", base: flink, replaces: false },
  { key: key("flinkSnapshots"), value: "false", base: flink, replaces: false },
  { key: key("startingPosition"), value: "TRIM_HORIZON", base: flink, replaces: false },
  { key: key("alarmMillisBehindLatestMs"), value: "120000", base: flink, replaces: false },
  // Another SQL file and input schema beside the bundle, and SQL_APPLICATION: an update of the code.
  { key: key("sqlApplication"), value: "lab", replaces: false },
  { key: key("namePrefix"), value: "clickstream-sessionizer-dev2", replaces: true },
  { key: key("streamName"), value: "renamed-stream", replaces: true },
  { key: key("applicationName"), value: "renamed-application", base: kdaSql, replaces: true },
  { key: key("functionName"), value: "renamed-function", replaces: true },
  { key: key("sessionsTableName"), value: "renamed-sessions", replaces: true },
  { key: key("deadLetterTableName"), value: "renamed-dead-letters", replaces: true },
  { key: key("stateTableName"), value: "renamed-state", replaces: true },
  // Forces a replacement in the provider, ignored after creation by the program.
  { key: key("startingPosition"), value: "TRIM_HORIZON", replaces: false },
  { key: key("streamMode"), value: "on-demand", replaces: false },
  { key: key("shardCount"), value: "2", replaces: false },
  { key: key("retentionHours"), value: "48", replaces: false },
  { key: key("redriveWindowHours"), value: "5", replaces: false },
  { key: key("streamKmsKey"), value: cmk, replaces: false },
  { key: key("shardLevelMetrics"), value: '["IncomingBytes"]', replaces: false },
  { key: key("startApplication"), value: "false", replaces: false },
  { key: key("functionMemoryMb"), value: "512", replaces: false },
  { key: key("functionTimeoutSeconds"), value: "120", replaces: false },
  { key: key("batchSize"), value: "200", replaces: false },
  { key: key("maximumBatchingWindowSeconds"), value: "5", replaces: false },
  { key: key("bisectBatchOnFunctionError"), value: "false", replaces: false },
  { key: key("maximumRecordAgeSeconds"), value: "3600", replaces: false },
  { key: key("maximumRetryAttempts"), value: "3", replaces: false },
  { key: key("logRetentionDays"), value: "30", replaces: false },
  { key: key("deletionProtection"), value: "false", replaces: false },
  { key: key("alarmTopic"), value: "create", replaces: false },
  { key: key("alarmFunctionErrors"), value: "1", replaces: false },
  { key: key("alarmFunctionThrottles"), value: "1", replaces: false },
  { key: key("alarmIteratorAgeMs"), value: "120000", replaces: false },
  { key: key("alarmMillisBehindLatestMs"), value: "120000", base: kdaSql, replaces: false },
  { key: key("alarmTableThrottles"), value: "1", replaces: false },
  { key: key("alarmFailedBatches"), value: "1", replaces: false },
  { key: key("alarmDeadLetters"), value: "1", replaces: false },
  { key: key("tags"), value: '{"owner":"data-team"}', replaces: false },
];

/**
 * The physical identity of a resource: the namespace its name must be unique in and the name, or
 * null when Pulumi or AWS picks a unique name. IAM names are global; the rest are per region (log
 * streams per log group, inline policies per role). An event source mapping has no name, but Lambda
 * allows one per stream and function.
 */
function identityOf(r: RecordedResource, region: string): string | null {
  const input = (name: string): string | undefined => {
    const value = r.inputs[name];
    return typeof value === "string" ? value : undefined;
  };
  const name = input("name");
  switch (r.type) {
    case "aws:lambda/eventSourceMapping:EventSourceMapping":
      return `lambda-mapping:${region}:${input("eventSourceArn")}->${input("functionName")}`;
    case "aws:iam/role:Role":
      return name === undefined ? null : `iam-role::${name}`;
    case "aws:iam/rolePolicy:RolePolicy":
      return name === undefined ? null : `iam-role-policy:${input("role")}:${name}`;
    case "aws:cloudwatch/logStream:LogStream":
      return name === undefined ? null : `log-stream:${region}:${input("logGroupName")}:${name}`;
    default:
      return r.type.startsWith("aws:") && name !== undefined ? `${r.type}:${region}:${name}` : null;
  }
}

/** What `pulumi up` does to go from `before` to `after`. */
interface Steps {
  readonly replaced: { readonly before: RecordedResource; readonly after: RecordedResource }[];
  readonly created: RecordedResource[];
  readonly deleted: RecordedResource[];
  /** Each physical identity claimed at the moment the new resources exist and the old ones not yet deleted. */
  readonly claims: { readonly identity: string; readonly by: string }[];
}

function steps(before: MockedStack, after: MockedStack): Steps {
  const oldUrns = runUrns(before);
  const newUrns = runUrns(after);
  const oldByUrn = new Map(before.resources.map((r) => [oldUrns.urnOf(keyOf(r)), r]));
  const regionOf = (stack: MockedStack): string =>
    String(stack.one("pulumi:providers:aws").inputs["region"]);
  const [oldRegion, newRegion] = [regionOf(before), regionOf(after)];
  const changedInputs = (o: RecordedResource, n: RecordedResource): string[] =>
    (replacingInputs[n.type]?.inputs ?? []).filter(
      (input) =>
        !n.options.ignoreChanges.includes(input) &&
        JSON.stringify(o.inputs[input]) !== JSON.stringify(n.inputs[input]),
    );
  const providerReplaced = changedInputs(
    before.one("pulumi:providers:aws"),
    after.one("pulumi:providers:aws"),
  ).length;

  const result: Steps = { replaced: [], created: [], deleted: [], claims: [] };
  const matched = new Set<RecordedResource>();
  const claim = (r: RecordedResource, region: string, by: string): void => {
    const identity = identityOf(r, region);
    if (identity !== null) result.claims.push({ identity, by: `${by} ${keyOf(r)}` });
  };
  for (const n of after.resources) {
    const urns = [newUrns.urnOf(keyOf(n)), ...newUrns.aliasesOf(keyOf(n))];
    const o = urns.map((u) => oldByUrn.get(u)).find((r) => r !== undefined);
    if (o === undefined) {
      result.created.push(n);
      claim(n, newRegion, "created");
      continue;
    }
    matched.add(o);
    const replaced =
      n.type.startsWith("aws:") && (providerReplaced > 0 || changedInputs(o, n).length > 0);
    if (replaced) result.replaced.push({ before: o, after: n });
    // Until a create-before-delete replacement finishes, the old resource still holds its name.
    if (replaced && !n.options.deleteBeforeReplace) claim(o, oldRegion, "replaced (old)");
    claim(n, newRegion, replaced ? "replaced (new)" : "updated");
  }
  for (const o of before.resources.filter((r) => !matched.has(r))) {
    result.deleted.push(o);
    claim(o, oldRegion, "deleted (old)");
  }
  return result;
}

/** Identities claimed twice at once, with who claims them. */
function collisions(claims: Steps["claims"]): string[] {
  const by = new Map<string, string[]>();
  for (const c of claims) by.set(c.identity, [...(by.get(c.identity) ?? []), c.by]);
  return [...by].filter(([, who]) => who.length > 1).map(([id, who]) => `${id}: ${who.join(", ")}`);
}

describe("a change of any config key, planned as pulumi up would carry it out", () => {
  const bases = new Map<string, MockedStack>();
  const baseOf = async (base: Readonly<Record<string, string>> = {}): Promise<MockedStack> => {
    const id = JSON.stringify(base);
    const cached = bases.get(id);
    if (cached !== undefined) return cached;
    // As a preview: `pulumi up` refuses engine kda-sql, and the steps are what a preview shows.
    const stack = await runStack("dev", base, { preview: true });
    bases.set(id, stack);
    return stack;
  };

  it("has a case for every config key of the project, and for the region", () => {
    const covered = new Set(cases.map((c) => c.key));
    const missing = ["aws:region", ...configKeys.map(key)].filter((k) => !covered.has(k));
    expect(missing).to.deep.equal([]);
  });

  for (const c of cases) {
    it(`${c.key} = ${c.value}: no two resources claim one physical name in between${c.replaces ? " (it replaces resources)" : ", and nothing is replaced"}`, async () => {
      const before = await baseOf(c.base);
      const after = await runStack("dev", { ...c.base, [c.key]: c.value }, { preview: true });
      const planned = steps(before, after);
      expect(collisions(planned.claims)).to.deep.equal([]);
      const swapped = planned.replaced.length + planned.deleted.length;
      if (c.replaces) expect(swapped, "replaced or deleted resources").to.be.greaterThan(0);
      else expect(planned.replaced.map((r) => keyOf(r.after))).to.deep.equal([]);
      // The dev stack protects its data: a change that would replace or delete the stream or a
      // table stops at that resource instead of losing its records, or (engine lambda's state
      // table) leaves it in the account.
      const data = ["aws:kinesis/stream:Stream", "aws:dynamodb/table:Table"];
      const lost = [...planned.replaced.map((r) => r.before), ...planned.deleted].filter((r) =>
        data.includes(r.type),
      );
      for (const r of lost)
        expect(r.options.protect || r.options.retainOnDelete, keyOf(r)).to.equal(true);
    });
  }

  it("would collide without the program's options: a startingPosition change replaces the mapping, and a mapping created before the old one is deleted claims the same stream and function", async () => {
    const before = await baseOf();
    const after = await runStack(
      "dev",
      { [key("startingPosition")]: "TRIM_HORIZON" },
      { preview: true },
    );
    const mapping = "aws:lambda/eventSourceMapping:EventSourceMapping::sessionizer-event-source";
    const withoutOptions = (stack: MockedStack): MockedStack => ({
      ...stack,
      resources: stack.resources.map((r) =>
        keyOf(r) === mapping
          ? { ...r, options: { ...r.options, ignoreChanges: [], deleteBeforeReplace: false } }
          : r,
      ),
    });
    const planned = steps(withoutOptions(before), withoutOptions(after));
    expect(planned.replaced.map((r) => keyOf(r.after))).to.deep.equal([mapping]);
    expect(collisions(planned.claims)).to.have.length(1);
  });

  it("knows the replacing inputs of every resource type the program creates", async () => {
    const types = new Set<string>();
    for (const base of [{}, kdaSql, flink, { [key("alarmTopic")]: "create" }])
      for (const r of (await baseOf(base)).resources) types.add(r.type);
    const cloud = [...types].filter(
      (t) => t.startsWith("aws:") || t.startsWith("pulumi:providers:"),
    );
    expect(cloud.filter((t) => replacingInputs[t] === undefined)).to.deep.equal([]);
    for (const t of cloud)
      expect(replacingInputs[t]?.source, t).to.match(/^https:\/\/github\.com\//);
  });
});
