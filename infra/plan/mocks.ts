/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource it creates: type,
 * logical name, inputs and the options that decide its URN (parent and aliases). Shared by the plan
 * tool and the infrastructure tests, so what the tests assert on is what the plan shows.
 */
import * as pulumi from "@pulumi/pulumi";

/** A resource as the program registered it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** `<type>::<name>` of the parent; null only for the stack. */
  readonly parent: string | null;
  /** Inputs as the mocks received them: unknowns as `pulumi.unknown`, secrets wrapped. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The `aliases` resource option: the URNs this resource had before it moved or was renamed. */
  readonly aliases: readonly RecordedAlias[];
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

/** Computed properties a mock returns for a resource, besides its inputs. */
export type StateFabricator = (
  type: string,
  name: string,
  inputs: Readonly<Record<string, unknown>>,
) => Record<string, unknown>;

export interface RunOptions {
  readonly project: string;
  readonly stack: string;
  /** Full keys (`aws:region`) to string values, as `PULUMI_CONFIG` holds them. */
  readonly config: Readonly<Record<string, string>>;
  /** Keys whose values are secrets. */
  readonly secretKeys?: readonly string[];
  /**
   * Preview (dry run): every property that is not an input stays unknown, as in `pulumi preview`.
   * Otherwise (`pulumi up`) `fabricate` supplies the computed properties.
   */
  readonly preview: boolean;
  readonly fabricate?: StateFabricator;
  /** The program: creates resources, returns the stack outputs. */
  readonly program: () => Record<string, unknown> | Promise<Record<string, unknown>>;
}

const stackType = "pulumi:pulumi:Stack";
const warningPrefix = "warning: [runtime] ";

/**
 * Runs `program` as stack `stack` of `project` under mocks. Any provider function call fails the run:
 * the program is meant to need none, and an unexpected one would make the plan lie.
 */
export async function runUnderMocks(options: RunOptions): Promise<ProgramRun> {
  const { project, stack, preview } = options;
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  const inputsByKey = new Map<string, Record<string, unknown>>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputsByKey.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
        const computed = preview
          ? {}
          : (options.fabricate?.(args.type, args.name, args.inputs) ?? {});
        return { id: preview ? "" : `${args.name}-id`, state: { ...args.inputs, ...computed } };
      },
      call: (args) => {
        throw new Error(`The program called ${args.token}, which the plan cannot answer offline`);
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
      throw new Error("An alias names a parent resource the program never created");
    return key;
  };
  const resources: RecordedResource[] = [
    { type: stackType, name: `${project}-${stack}`, parent: null, inputs: {}, aliases: [] },
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
      aliases: await Promise.all(c.aliases.map((a) => recordAlias(a, keyOf))),
    });
  }
  const outputs = await pulumi.runtime.serializeProperties("outputs", exported);
  return { project, stack, resources, outputs, warnings };
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
