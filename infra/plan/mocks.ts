/**
 * Runs a Pulumi program under `pulumi.runtime.setMocks` and records every resource it creates: type,
 * logical name, parent and inputs. Shared by the plan tool and the infrastructure tests, so what the
 * tests assert on is what the plan shows.
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
}

/** The result of one run. */
export interface ProgramRun {
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

  const resources: RecordedResource[] = [
    { type: stackType, name: `${project}-${stack}`, parent: null, inputs: {} },
    ...created.map((c) => ({
      type: c.type,
      name: c.name,
      parent: (c.parent && keys.get(c.parent)) || stackKey,
      inputs:
        c.resource instanceof pulumi.ComponentResource
          ? {}
          : (inputsByKey.get(`${c.type}::${c.name}`) ?? {}),
    })),
  ];
  const outputs = await pulumi.runtime.serializeProperties("outputs", exported);
  return { resources, outputs, warnings };
}

/** Resolves once `output` has a value (URNs are always known, even in a preview). */
function settled(output: pulumi.Output<string>): Promise<string> {
  return new Promise((resolve) => output.apply(resolve));
}
