/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource it creates: type,
 * logical name, inputs, the options that decide its URN (parent and aliases) and the options that
 * decide what `pulumi up` does to it (dependsOn, ignoreChanges, deleteBeforeReplace, protect,
 * retainOnDelete). Shared by the plan tool and the infrastructure tests, so what the tests assert on
 * is what the plan shows.
 */
import * as pulumi from "@pulumi/pulumi";
import { partitionOf, physicalState, planAccount } from "./arns";
import { isRegional, regionalInput } from "./replacements";

/** A resource as the program registered it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `<type>::<name>` of the parent; null only for the stack. */
  readonly parent: string | null;
  /** Inputs as the mocks received them: unknowns as `pulumi.unknown`, secrets wrapped. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The region of the provider that manages it; absent for a component. */
  readonly region?: string;
  /** The `aliases` resource option: the URNs this resource had before it moved or was renamed. */
  readonly aliases: readonly RecordedAlias[];
  /** The resource options that change what `pulumi up` does with the resource. */
  readonly options: RecordedOptions;
}

/**
 * The resource options a deployment depends on, as the program gave them (the SDK's defaults are
 * `false` and empty lists). A missing `dependsOn`, `ignoreChanges` or `deleteBeforeReplace` shows up
 * only against a real account, so the tests read them here.
 */
export interface RecordedOptions {
  /** The resources this one waits for, each as `<type>::<name>`. */
  readonly dependsOn: readonly string[];
  /** Input paths whose changes `pulumi up` ignores after creation. */
  readonly ignoreChanges: readonly string[];
  /** Whether a replacement deletes the old resource before it creates the new one. */
  readonly deleteBeforeReplace: boolean;
  /** Whether Pulumi refuses to delete or replace the resource. */
  readonly protect: boolean;
  /** Whether deleting the resource in Pulumi leaves it in the account. */
  readonly retainOnDelete: boolean;
}

/**
 * One entry of the `aliases` option as the program gave it: a URN, or a {@link pulumi.Alias} whose
 * absent fields mean the resource's own (its name, its type, its parent, this stack and project).
 */
export type RecordedAlias = string | RecordedAliasSpec;

/** A {@link pulumi.Alias} with its inputs resolved and its parent resource named by its key. */
export interface RecordedAliasSpec {
  readonly name?: string;
  readonly type?: string;
  /**
   * The old parent: a recorded resource's `<type>::<name>`, a URN, or null for none (the resource sat
   * directly under the stack); absent when the alias keeps the resource's current parent.
   */
  readonly parent?: { readonly key: string } | { readonly urn: string } | null;
  readonly stack?: string;
  readonly project?: string;
}

/** The result of one run. */
export interface ProgramRun {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly RecordedResource[];
  /** Stack outputs, serialized by the runtime (unknowns and secrets marked). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Messages logged with `pulumi.log.warn`. */
  readonly warnings: readonly string[];
}

export interface RunOptions {
  readonly project: string;
  readonly stack: string;
  /** Full keys (`aws:region`) to string values, as `PULUMI_CONFIG` holds them. */
  readonly config: Readonly<Record<string, string>>;
  /** Keys whose values are secrets. */
  readonly secretKeys?: readonly string[];
  /**
   * Preview (dry run, `pulumi.runtime.isDryRun()`), as `pulumi preview` runs the program; otherwise as
   * `pulumi up` does.
   */
  readonly preview: boolean;
  /** The program: creates resources, returns the stack outputs. */
  readonly program: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/**
 * A resource's inputs as pulumi-aws checks them: a regional resource that sets no region gets its
 * provider's (`region`, infra/plan/replacements.ts), so that a new region shows as the change
 * that replaces it. Shared with the engine tests' provider stand-in.
 *
 * `withRegion("aws:sqs/queue:Queue", {}, "eu-west-1")` -> `{region: "eu-west-1"}`
 */
export function withRegion(
  type: string,
  inputs: Readonly<Record<string, unknown>>,
  region: string,
): Record<string, unknown> {
  return isRegional(type) && inputs[regionalInput] === undefined
    ? { ...inputs, [regionalInput]: region }
    : { ...inputs };
}

/**
 * The answer of the provider function `token` for a provider in `region`, in account
 * {@link planAccount}; undefined for a function the program does not call. One answer for the
 * plan's mocks and the engine tests' stand-ins (test/engine/awsStandIn, test/support/languageHost.ts),
 * so they cannot answer differently.
 *
 * `providerFunctionAnswer(getRegionToken, "us-west-2")` -> `{id, name, region}`, each "us-west-2"
 */
export function providerFunctionAnswer(
  token: string,
  region: string,
): Record<string, unknown> | undefined {
  switch (token) {
    case getRegionToken:
      return { id: region, name: region, region };
    case getCallerIdentityToken:
      return {
        id: planAccount,
        accountId: planAccount,
        arn: `arn:aws:iam::${planAccount}:user/plan`,
        userId: "AIDAPLANPLANPLANPLAN",
      };
    case getPartitionToken: {
      const partition = partitionOf(region);
      return {
        id: partition,
        partition,
        dnsSuffix: partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com",
        reverseDnsPrefix: partition === "aws-cn" ? "cn.com.amazonaws" : "com.amazonaws",
      };
    }
    default:
      return undefined;
  }
}

const stackType = "pulumi:pulumi:Stack";
const warningPrefix = "warning: [runtime] ";

/** The provider function that answers the region of the program's AWS provider. */
export const getRegionToken = "aws:index/getRegion:getRegion";
/** The provider functions that answer the account and partition (engine `flink`'s ARNs). */
export const getCallerIdentityToken = "aws:index/getCallerIdentity:getCallerIdentity";
export const getPartitionToken = "aws:index/getPartition:getPartition";

/**
 * Runs `program` as stack `stack` of `project` under mocks. The provider functions answered are
 * {@link getCallerIdentityToken} ({@link planAccount}), {@link getPartitionToken} (the region's) and
 * {@link getRegionToken}, from the region its provider was configured with (`aws:region` for the
 * default provider); any other call fails the run, since an unexpected one would make the plan lie.
 */
export async function runUnderMocks(options: RunOptions): Promise<ProgramRun> {
  const { project, stack, preview } = options;
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  const inputsByKey = new Map<string, Record<string, unknown>>();
  const regionsByKey = new Map<string, string>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const region =
          providerRegion(args.provider, inputsByKey) ?? options.config["aws:region"] ?? "us-east-1";
        inputsByKey.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
        regionsByKey.set(`${args.type}::${args.name}`, region);
        // Every resource gets its ARN (and an unnamed one its auto-name), in a preview too, so a
        // plan shows the real shape of every ARN an IAM statement grants on (infra/plan/arns.ts).
        // Any other property that is not an input stays unknown in a preview, as there.
        const physical = physicalState(args.type, args.name, args.inputs, { region });
        return {
          id: preview ? "" : `${args.name}-id`,
          state: { ...withRegion(args.type, args.inputs, region), ...physical },
        };
      },
      call: (args) => {
        const region = providerRegion(args.provider, inputsByKey) ?? options.config["aws:region"];
        const answer =
          region === undefined ? undefined : providerFunctionAnswer(args.token, region);
        if (answer === undefined)
          throw new Error(`The program called ${args.token}, which the plan cannot answer offline`);
        return answer;
      },
    },
    project,
    stack,
    preview,
  );

  const stackKey = `${stackType}::${project}-${stack}`;
  const created: {
    type: string;
    name: string;
    parent: pulumi.Resource | undefined;
    aliases: readonly pulumi.Input<string | pulumi.Alias>[];
    opts: pulumi.CustomResourceOptions;
    resource: pulumi.Resource;
  }[] = [];
  const keys = new WeakMap<pulumi.Resource, string>();
  const warnings: string[] = [];
  const consoleWarn = console.warn;
  console.warn = (...parts: unknown[]): void => {
    const text = parts.map(String).join(" ");
    warnings.push(text.startsWith(warningPrefix) ? text.slice(warningPrefix.length) : text);
  };
  let exported: Record<string, unknown> = {};
  let failure: { error: unknown } | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      const root = pulumi.runtime.getStackResource();
      if (root !== undefined) keys.set(root, stackKey);
      pulumi.runtime.registerStackTransformation((args) => {
        keys.set(args.resource, `${args.type}::${args.name}`);
        created.push({
          type: args.type,
          name: args.name,
          parent: args.opts.parent,
          aliases: args.opts.aliases ?? [],
          opts: args.opts,
          resource: args.resource,
        });
        return undefined;
      });
      // A failing program (a config error) is reported by this function's caller, not left to
      // reject inside the stack resource, where Pulumi would report it again as unhandled.
      try {
        exported = await options.program();
      } catch (error) {
        failure = { error };
      }
      return exported;
    });
    if (failure !== undefined) throw failure.error;
    // Registration is asynchronous: wait until the mocks have seen every resource.
    await Promise.all(created.map((c) => settled(c.resource.urn)));
  } finally {
    console.warn = consoleWarn;
  }

  const keyOf = (resource: pulumi.Resource): string => {
    const key = keys.get(resource);
    if (key === undefined)
      throw new Error("An alias or dependsOn names a resource the program never created");
    return key;
  };
  const resources: RecordedResource[] = [
    {
      type: stackType,
      name: `${project}-${stack}`,
      parent: null,
      inputs: {},
      aliases: [],
      options: await recordOptions({}, keyOf),
    },
  ];
  for (const c of created) {
    resources.push({
      type: c.type,
      name: c.name,
      parent: (c.parent && keys.get(c.parent)) || stackKey,
      inputs:
        c.resource instanceof pulumi.ComponentResource
          ? {}
          : (inputsByKey.get(`${c.type}::${c.name}`) ?? {}),
      ...(c.resource instanceof pulumi.ComponentResource
        ? {}
        : { region: regionsByKey.get(`${c.type}::${c.name}`) }),
      aliases: await Promise.all(c.aliases.map((a) => recordAlias(a, keyOf))),
      options: await recordOptions(c.opts, keyOf),
    });
  }
  const outputs = await pulumi.runtime.serializeProperties("outputs", exported);
  return { project, stack, resources, outputs, warnings };
}

/** The options of {@link RecordedOptions}, with `dependsOn` resolved to resource keys. */
async function recordOptions(
  opts: pulumi.CustomResourceOptions,
  keyOf: (resource: pulumi.Resource) => string,
): Promise<RecordedOptions> {
  // `dependsOn` is an Input of a resource or a list of them (each item possibly an Input too).
  const unwrap = async <T>(value: pulumi.Input<T>): Promise<T> =>
    pulumi.Output.isInstance(value) ? settled(value as pulumi.Output<T>) : (value as T);
  const given = opts.dependsOn === undefined ? [] : await unwrap(opts.dependsOn);
  const dependsOn = await Promise.all((Array.isArray(given) ? given : [given]).map(unwrap));
  return {
    dependsOn: dependsOn.map(keyOf),
    ignoreChanges: [...(opts.ignoreChanges ?? [])],
    deleteBeforeReplace: opts.deleteBeforeReplace ?? false,
    protect: opts.protect ?? false,
    retainOnDelete: opts.retainOnDelete ?? false,
  };
}

/**
 * The region an explicit AWS provider was given, from its reference (`<urn>::<id>`, the URN ending
 * in the provider's name); undefined for the default provider or another package's.
 */
function providerRegion(
  reference: string | undefined,
  inputsByKey: ReadonlyMap<string, Record<string, unknown>>,
): string | undefined {
  const urn = reference?.slice(0, reference.lastIndexOf("::"));
  const match = urn === undefined ? null : /(?:::|\$)pulumi:providers:aws::([^:$]+)$/.exec(urn);
  if (match === null) return undefined;
  const region = inputsByKey.get(`pulumi:providers:aws::${match[1]}`)?.["region"];
  return typeof region === "string" ? region : undefined;
}

/** An alias with its inputs resolved; a parent resource becomes its key, as Pulumi uses its URN. */
async function recordAlias(
  alias: pulumi.Input<string | pulumi.Alias>,
  keyOf: (resource: pulumi.Resource) => string,
): Promise<RecordedAlias> {
  const value = await (pulumi.Output.isInstance(alias) ? settled(alias) : alias);
  if (typeof value === "string") return value;
  const text = async (input: pulumi.Input<string> | undefined): Promise<string | undefined> =>
    input === undefined ? undefined : settled(pulumi.output(input));
  const spec: {
    -readonly [K in keyof RecordedAliasSpec]: RecordedAliasSpec[K];
  } = {};
  for (const field of ["name", "type", "stack", "project"] as const) {
    const resolved = await text(value[field]);
    if (resolved !== undefined) spec[field] = resolved;
  }
  // Pulumi tells "no parent" (`{parent: pulumi.rootStackResource}`, which is undefined) from "the
  // current parent" (no `parent` key at all) by the key's presence.
  if (Object.hasOwn(value, "parent")) {
    const parent = value.parent;
    spec.parent =
      parent === undefined
        ? null
        : pulumi.Resource.isInstance(parent)
          ? { key: keyOf(parent) }
          : { urn: (await text(parent)) ?? "" };
  }
  return spec;
}

/** Resolves once `output` has a value (URNs and aliases are always known, even in a preview). */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}
