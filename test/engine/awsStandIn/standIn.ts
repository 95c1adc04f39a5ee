/**
 * The rules of the `aws` provider stand-in (test/engine/awsStandIn/main.ts serves them over gRPC):
 * what a change of inputs does, which name an unnamed resource gets, what a resource's outputs are,
 * and what the provider functions answer.
 *
 * Why a stand-in: pulumi-aws cannot be fetched on this machine (no network to its releases), yet the
 * program must run on the real Pulumi CLI and engine, because only they prove what the plan's mocks
 * cannot: that the program loads as a Pulumi program, and what `protect`, `aliases`,
 * `ignoreChanges` and the policy packs do to a real deployment. What only an AWS account proves
 * stays unproven here: the provider's schema (an input pulumi-aws would refuse) and AWS's own
 * refusals (a name taken, a quota, a missing permission).
 *
 * Every rule comes from the plan's own modules, so the stand-in and `npm run plan` cannot disagree
 * silently: replacements from infra/plan/replacements.ts, ARNs, auto-names and other state from
 * infra/plan/arns.ts, and the provider functions' tokens from infra/plan/mocks.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { autoName, physicalState, type ArnContext } from "../../../infra/plan/arns";
import {
  getCallerIdentityToken,
  getPartitionToken,
  getRegionToken,
  providerFunctionAnswer,
  withRegion,
} from "../../../infra/plan/mocks";
import { forcingInputs } from "../../../infra/plan/replacements";

/** Properties as the engine sends them in a Struct: unknowns and secrets marked in band. */
export type Properties = Readonly<Record<string, unknown>>;

/** The value the engine sends for a property whose value is not known yet (in a preview). */
export const unknownValue = pulumi.runtime.unknownValue;

/**
 * The input that lists which inputs Check filled in with a default (here: an auto-name), as
 * pulumi-aws records it; the next Check keeps those values rather than generating them again.
 */
export const defaultsKey = "__defaults";

/**
 * The region resources are placed in when the provider was configured with none (or with one not
 * known yet): the same fallback as the plan's mocks (infra/plan/mocks.ts).
 */
export const fallbackRegion = "us-east-1";

/** What a change does to one property: as Pulumi's `PropertyDiff` kinds, without the replace. */
export type ChangeKind = "add" | "delete" | "update";

/** One changed input path. */
export interface PathChange {
  /** The property path in Pulumi's syntax: `hashKey`, `localSecondaryIndexes[0].name`. */
  readonly path: string;
  /** The top-level input the path lies under: `localSecondaryIndexes`. */
  readonly input: string;
  readonly kind: ChangeKind;
}

/** One changed input path of a resource, and whether it replaces the resource. */
export interface PropertyChange extends PathChange {
  /** Whether the change forces a replacement (the path lies under one of the type's forcing inputs). */
  readonly replaces: boolean;
}

/** The outcome of a Diff: what changed, and which inputs force a replacement. */
export interface ResourceDiff {
  /** Every changed path, in the order of the inputs; empty when nothing changed. */
  readonly changes: readonly PropertyChange[];
  /** The forcing inputs among the changes (infra/plan/replacements.ts), in the table's order. */
  readonly replaces: readonly string[];
  /** The top-level inputs that changed, each once. */
  readonly diffs: readonly string[];
}

/** A created resource: its id ("" in a preview) and outputs. */
export interface CreatedResource {
  readonly id: string;
  readonly outputs: Record<string, unknown>;
}

/** The type token and logical name of a resource, from its URN. */
export interface ResourceName {
  readonly type: string;
  readonly name: string;
}

/**
 * The type and logical name in a URN, as the plan's mocks name resources (the type without its
 * parents', the name as the program gave it).
 *
 * `resourceOf("urn:pulumi:dev::p::my:Pipeline$aws:dynamodb/table:Table::sessions")` ->
 * `{type: "aws:dynamodb/table:Table", name: "sessions"}`
 */
export function resourceOf(urn: string): ResourceName {
  const parts = urn.split("::");
  if (parts.length < 4)
    throw new Error(`Malformed URN "${urn}"; expected urn:pulumi:...::type::name`);
  const qualifiedType = parts[2]!;
  return {
    type: qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1),
    name: parts.slice(3).join("::"),
  };
}

/**
 * The region a provider was configured with: its `region` input, else the `aws:region` config the
 * engine passes as a variable (the default provider), else the environment's `AWS_REGION` or
 * `AWS_DEFAULT_REGION`, as pulumi-aws reads them; undefined when none is known (an unknown value in
 * a preview).
 */
export function configuredRegion(
  args: Properties,
  variables: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const candidates = [
    args["region"],
    variables["aws:config:region"],
    variables["aws:region"],
    environment["AWS_REGION"],
    environment["AWS_DEFAULT_REGION"],
  ];
  return candidates.find((c): c is string => typeof c === "string" && isKnownText(c));
}

/**
 * The input paths that differ between `olds` and `news`, as pulumi-aws reports them: objects and
 * lists are compared member by member, so a change deep inside one is reported at its own path; an
 * unknown value counts as a change; a secret compares by its value; `null` and an absent input are
 * the same; assets, archives and resource references compare as a whole. {@link defaultsKey} is
 * bookkeeping, never a change.
 *
 * `changedPaths({tags: {a: "1"}}, {tags: {a: "2"}})` -> `[{path: "tags.a", kind: "update"}]`
 */
export function changedPaths(olds: Properties, news: Properties): PathChange[] {
  const found: PathChange[] = [];
  for (const input of unionKeys(olds, news)) {
    if (input === defaultsKey) continue;
    compare(pathOf(undefined, input), memberOf(olds, input), memberOf(news, input), (path, kind) =>
      found.push({ path, input, kind }),
    );
  }
  return found;
}

/**
 * Diffs a resource of `type` from its old inputs to its checked new ones. The replacing inputs are
 * the plan's ({@link forcingInputs}); a type without a rule is only ever updated.
 *
 * `diffResource("aws:dynamodb/table:Table", {hashKey: "a"}, {hashKey: "b"}).replaces` ->
 * `["hashKey"]`
 */
export function diffResource(type: string, olds: Properties, news: Properties): ResourceDiff {
  const paths = changedPaths(olds, news);
  const changes = paths.map((change) => ({
    ...change,
    replaces: forcingInputs(type, [change.path]).length > 0,
  }));
  return {
    changes,
    replaces: forcingInputs(
      type,
      paths.map((c) => c.path),
    ),
    diffs: [...new Set(paths.map((c) => c.input))],
  };
}

/**
 * The inputs Check returns for a resource of `type`: the program's, with an auto-name where the
 * type takes one and the program gave none, and {@link defaultsKey} listing the auto-named inputs.
 * As pulumi-aws does, an auto-name chosen before (listed in the old inputs' defaults) is kept, so an
 * update never renames a resource; a new one is the plan's ({@link autoName}), or unknown while the
 * `namePrefix` it starts with is. Resource references become their ids, as pulumi-aws reads them.
 *
 * `checkInputs("aws:sns/topic:Topic", "alarms", {}, {}, {region: "us-west-2"})` ->
 * `{name: "alarms-" + 7 hex digits, __defaults: ["name"]}`
 */
export function checkInputs(
  type: string,
  logicalName: string,
  olds: Properties,
  news: Properties,
  context: ArnContext,
): Record<string, unknown> {
  const inputs = withRegion(
    type,
    documentsAsText(type, referencesAsIds(withoutDefaults(news)) as Record<string, unknown>),
    context.region,
  );
  const oldDefaults = olds[defaultsKey];
  const state = physicalState(type, logicalName, inputs, context);
  const named: Record<string, unknown> = {};
  for (const property of autoNamedProperties(type, logicalName, inputs, context)) {
    const old = olds[property];
    // Old inputs without a defaults list (written before one was kept): their name is kept too.
    const keepOld =
      old !== undefined &&
      old !== null &&
      (!Array.isArray(oldDefaults) || oldDefaults.includes(property));
    named[property] = keepOld
      ? old
      : inputs["namePrefix"] === unknownValue
        ? unknownValue
        : state[property];
  }
  return { ...inputs, ...named, [defaultsKey]: Object.keys(named).sort() };
}

/**
 * The id of a created resource: its physical name (the input the type is named by: `name`, a
 * bucket's `bucket`, an object's `key`), else `<logicalName>-id` as the plan's mocks give every
 * resource.
 *
 * `physicalId("aws:dynamodb/table:Table", "sessions", {name: "s"}, ctx)` -> `"s"`
 */
export function physicalId(
  type: string,
  logicalName: string,
  inputs: Properties,
  context: ArnContext,
): string {
  // arns.ts keeps private which input names each type; it tells by auto-naming the input once it
  // is left out, which finds the input without a second table here.
  for (const [property, value] of Object.entries(inputs)) {
    if (typeof value !== "string" || !isKnownText(value)) continue;
    const rest = without(inputs, property);
    if (autoNamedProperties(type, logicalName, rest, context).includes(property)) return value;
  }
  return `${logicalName}-id`;
}

/**
 * Creates a resource: outputs are the inputs with the plan's physical state on top
 * ({@link physicalState}: ARNs, URLs, generated ids). In a preview the id is "" and everything the
 * state adds is unknown, as pulumi-aws previews it, except what the inputs already hold (the name
 * Check chose).
 *
 * `createResource("aws:dynamodb/table:Table", "t", {name: "s"}, ctx, true).outputs.arn` ->
 * {@link unknownValue}
 */
export function createResource(
  type: string,
  logicalName: string,
  inputs: Properties,
  context: ArnContext,
  preview: boolean,
): CreatedResource {
  const outputs = updateResource(type, logicalName, {}, {}, inputs, context, preview);
  return { id: preview ? "" : physicalId(type, logicalName, inputs, context), outputs };
}

/**
 * Updates a resource in place: outputs are computed from the new inputs as by
 * {@link createResource}. In a preview a computed output keeps its old value where the new inputs
 * give the same one, and is unknown where they would change it (or can no longer tell).
 *
 * `updateResource("aws:dynamodb/table:Table", "t", {name: "s", arn}, {name: "s"},
 * {name: "s", billingMode: "PROVISIONED"}, ctx, true).arn` -> the old `arn`
 */
export function updateResource(
  type: string,
  logicalName: string,
  oldOutputs: Properties,
  oldInputs: Properties,
  news: Properties,
  context: ArnContext,
  preview: boolean,
): Record<string, unknown> {
  const inputs = withoutDefaults(news);
  const state = physicalState(type, logicalName, inputs, context);
  if (!preview) return { ...inputs, ...state };
  const outputs: Record<string, unknown> = { ...inputs };
  for (const [property, value] of Object.entries(state)) {
    outputs[property] = previewValue(inputs[property], value, oldOutputs[property]);
  }
  // An old computed output the new inputs no longer give (a name still unknown): unknown.
  for (const property of Object.keys(oldOutputs)) {
    if (!(property in outputs) && !(property in oldInputs) && property !== defaultsKey) {
      outputs[property] = unknownValue;
    }
  }
  return outputs;
}

/**
 * The answer of the provider function `token` in `region`, as the plan's mocks answer it
 * (infra/plan/mocks.ts `providerFunctionAnswer`, the same function).
 *
 * `invoke("aws:index/getRegion:getRegion", "us-west-2")` ->
 * `{id: "us-west-2", name: "us-west-2", region: "us-west-2"}`
 *
 * @throws Error naming `token` for any other function: an unexpected call would make a test lie.
 */
export function invoke(token: string, region: string): Record<string, unknown> {
  const answer = providerFunctionAnswer(token, region);
  if (answer === undefined)
    throw new Error(
      `the aws stand-in does not answer ${token}; it answers only ${getRegionToken}, ` +
        `${getCallerIdentityToken} and ${getPartitionToken}`,
    );
  return answer;
}

/**
 * A computed value in a preview: the old one when the computation gives it again, the input where
 * the computation only repeats it, unknown where it adds or changes something (member by member in
 * objects, so `inputs[0].id` of a KDA application is unknown while the rest of its input stays).
 */
function previewValue(input: unknown, computed: unknown, old: unknown): unknown {
  if (old !== undefined && sameValue(old, computed)) return old;
  if (input === undefined) return unknownValue;
  if (isPlainObject(input) && isPlainObject(computed)) {
    const merged: Record<string, unknown> = { ...input };
    for (const [key, value] of Object.entries(computed)) {
      merged[key] = previewValue(input[key], value, isPlainObject(old) ? old[key] : undefined);
    }
    return merged;
  }
  return sameValue(input, computed) ? input : unknownValue;
}

/**
 * The inputs `type` auto-names when `inputs` lack them: those the plan's physical state fills in
 * with {@link autoName} of the logical name (`name`, a bucket's `bucket`, an object's `key`).
 */
function autoNamedProperties(
  type: string,
  logicalName: string,
  inputs: Properties,
  context: ArnContext,
): string[] {
  const generated = autoName(logicalName, inputs["namePrefix"]);
  return Object.entries(physicalState(type, logicalName, inputs, context))
    .filter(
      ([property, value]) =>
        inputs[property] === undefined &&
        (value === generated || value === generated.toLowerCase()),
    )
    .map(([property]) => property);
}

/** An absent member, told apart from a present `null` in a list. */
const absent = Symbol("absent");

/** The member `key` of `object`; a `null` property is absent, as Pulumi treats it. */
function memberOf(object: unknown, key: string): unknown {
  if (!isPlainObject(object)) return absent;
  const value = object[key];
  return value === undefined || value === null ? absent : value;
}

/** Reports each difference under `path` between `old` and `next` through `report`. */
function compare(
  path: string,
  oldMember: unknown,
  newMember: unknown,
  report: (path: string, kind: ChangeKind) => void,
): void {
  const old = revealed(oldMember);
  const next = revealed(newMember);
  if (old === absent && next === absent) return;
  if (next === unknownValue) return report(path, old === absent ? "add" : "update");
  if (old === absent) return report(path, "add");
  if (next === absent) return report(path, "delete");
  if (isPlainObject(old) && isPlainObject(next) && !isSpecial(old) && !isSpecial(next)) {
    for (const key of unionKeys(old, next)) {
      compare(pathOf(path, key), memberOf(old, key), memberOf(next, key), report);
    }
    return;
  }
  if (Array.isArray(old) && Array.isArray(next)) {
    for (let i = 0; i < Math.max(old.length, next.length); i++) {
      compare(
        `${path}[${i}]`,
        i < old.length ? old[i] : absent,
        i < next.length ? next[i] : absent,
        report,
      );
    }
    return;
  }
  if (!sameValue(old, next)) report(path, "update");
}

/** `parent.key`, or `parent["a.b"]` for a key Pulumi's path syntax cannot hold bare. */
function pathOf(parent: string | undefined, key: string): string {
  const bare = /^[^.[\]"\s]+$/.test(key);
  if (parent === undefined) return bare ? key : `[${JSON.stringify(key)}]`;
  return bare ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** Whether `a` and `b` are equal as JSON, secrets compared by their values, null as absent. */
function sameValue(a: unknown, b: unknown): boolean {
  const x = revealed(a);
  const y = revealed(b);
  if (Array.isArray(x) || Array.isArray(y)) {
    return (
      Array.isArray(x) &&
      Array.isArray(y) &&
      x.length === y.length &&
      x.every((item, i) => sameValue(item, y[i]))
    );
  }
  if (isPlainObject(x) && isPlainObject(y)) {
    return unionKeys(x, y).every((key) => {
      const left = memberOf(x, key);
      const right = memberOf(y, key);
      return left === absent || right === absent ? left === right : sameValue(left, right);
    });
  }
  return x === y;
}

/** The value inside a secret (recursively); anything else as it is. */
function revealed(value: unknown): unknown {
  let current = value;
  while (isPlainObject(current) && current[pulumi.runtime.specialSigKey] === secretSig) {
    current = current["value"];
  }
  return current;
}

const secretSig = pulumi.runtime.specialSecretSig;
const resourceSig = pulumi.runtime.specialResourceSig;

/** Assets, archives and resource references: values compared whole, never member by member. */
function isSpecial(value: Record<string, unknown>): boolean {
  return typeof value[pulumi.runtime.specialSigKey] === "string";
}

/** The IAM policy documents of each type, by input (`inlinePolicies` holds a list of them). */
const documentInputs: Readonly<Record<string, readonly string[]>> = {
  "aws:iam/rolePolicy:RolePolicy": ["policy"],
  "aws:iam/policy:Policy": ["policy"],
  "aws:iam/role:Role": ["assumeRolePolicy"],
};

/**
 * `inputs` with each IAM policy document given as an object turned into JSON text, as pulumi-aws
 * checks them (the inputs are strings in its schema): unknown as a whole when any value inside is
 * unknown, as a preview sees a document that names a resource still to be created. The policy pack
 * is handed these checked inputs, so it sees what it would see with the real provider.
 */
function documentsAsText(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const asText = (document: unknown): unknown =>
    isPlainObject(document)
      ? JSON.stringify(document).includes(unknownValue)
        ? unknownValue
        : JSON.stringify(document)
      : document;
  const converted = { ...inputs };
  for (const input of documentInputs[type] ?? [])
    if (input in converted) converted[input] = asText(converted[input]);
  if (type === "aws:iam/role:Role" && Array.isArray(converted["inlinePolicies"]))
    converted["inlinePolicies"] = converted["inlinePolicies"].map((policy: unknown) =>
      isPlainObject(policy) ? { ...policy, policy: asText(policy["policy"]) } : policy,
    );
  return converted;
}

/**
 * `value` with each resource reference replaced by the resource's id (a component's by its URN),
 * since the provider accepts references (Configure's acceptResources) and pulumi-aws stores ids.
 */
function referencesAsIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(referencesAsIds);
  if (!isPlainObject(value)) return value;
  if (value[pulumi.runtime.specialSigKey] === resourceSig) {
    const id = value["id"];
    return typeof id === "string" && id !== "" ? id : value["urn"];
  }
  if (isSpecial(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, referencesAsIds(v)]));
}

/** `properties` without {@link defaultsKey}. */
function withoutDefaults(properties: Properties): Record<string, unknown> {
  return without(properties, defaultsKey);
}

/** `properties` without `key`. */
function without(properties: Properties, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).filter(([k]) => k !== key));
}

function unionKeys(a: Properties, b: Properties): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A known, non-empty string: not the unknown marker. */
function isKnownText(value: string): boolean {
  return value !== "" && value !== unknownValue;
}
