/**
 * URNs the way the Pulumi engine computes them, from a run recorded under mocks. The mocks' own URNs
 * cannot be used: they prefix children of the stack with `pulumi:pulumi:Stack$` and keep only the
 * nearest parent's type, where the engine leaves the stack out and keeps the whole chain.
 *
 * - A resource's URN is `urn:pulumi:<stack>::<project>::<type>::<name>`, its type qualified by its
 *   parent's: `<parent's qualified type>$<type>`, except under the stack (`createUrn` in
 *   `@pulumi/pulumi/resource.ts`, `generateURN` in the engine).
 * - An alias is a URN, or `{name, type, parent, stack, project}` whose absent fields are the
 *   resource's own (`collapseAliasToUrn`); `{parent: undefined}` means the stack.
 * - A child also inherits each alias of its parent, renamed when its name starts with the parent's
 *   (`allAliases` and `inheritedChildAlias`): this is how moving a component moves its children.
 */
import type { ProgramRun, RecordedAlias, RecordedResource } from "./mocks";

/** Where URNs are computed: the run's project and stack, unless an alias names others. */
interface UrnScope {
  readonly project: string;
  readonly stack: string;
}

const stackType = "pulumi:pulumi:Stack";

/** `createUrn`: the URN of `type::name` under the resource whose URN is `parentUrn` (none: the stack). */
export function createUrn(
  name: string,
  type: string,
  parentUrn: string | undefined,
  scope: UrnScope,
): string {
  const root = `urn:pulumi:${scope.stack}::${scope.project}::`;
  if (parentUrn === undefined) return `${root}${type}::${name}`;
  const prefix = `${parentUrn.slice(0, parentUrn.lastIndexOf("::"))}$`;
  return `${prefix.endsWith(`::${stackType}$`) ? root : prefix}${type}::${name}`;
}

/** Name and unqualified type of a URN (`urnTypeAndName`). */
function typeAndName(urn: string): { type: string; name: string } {
  const [, , qualifiedType = "", name = ""] = urn.split("::");
  return { type: qualifiedType.split("$").pop() ?? "", name };
}

/** Every recorded resource's URN and alias URNs, by its key (`<type>::<name>`). */
export interface RunUrns {
  readonly urnOf: (key: string) => string;
  readonly aliasesOf: (key: string) => readonly string[];
  /** The keys of the run's resources, in creation order (the stack first). */
  readonly keys: readonly string[];
}

/** Computes the URNs of a recorded run; throws when a parent or alias names an unknown resource. */
export function runUrns(run: ProgramRun): RunUrns {
  const scope: UrnScope = { project: run.project, stack: run.stack };
  const byKey = new Map<string, RecordedResource>();
  for (const r of run.resources) {
    const key = `${r.type}::${r.name}`;
    if (byKey.has(key)) throw new Error(`Two resources have the key ${key}, so equal URNs`);
    byKey.set(key, r);
  }
  const resource = (key: string): RecordedResource => {
    const found = byKey.get(key);
    if (found === undefined) throw new Error(`No resource ${key} in the run`);
    return found;
  };
  const urns = new Map<string, string>();
  const urnOf = (key: string): string => {
    const cached = urns.get(key);
    if (cached !== undefined) return cached;
    const r = resource(key);
    const urn = createUrn(r.name, r.type, r.parent === null ? undefined : urnOf(r.parent), scope);
    urns.set(key, urn);
    return urn;
  };
  const collapse = (alias: RecordedAlias, r: RecordedResource): string => {
    if (typeof alias === "string") return alias;
    const parent = !("parent" in alias)
      ? r.parent === null
        ? undefined
        : urnOf(r.parent)
      : alias.parent === null || alias.parent === undefined
        ? undefined
        : "key" in alias.parent
          ? urnOf(alias.parent.key)
          : alias.parent.urn;
    return createUrn(alias.name ?? r.name, alias.type ?? r.type, parent, {
      project: alias.project ?? scope.project,
      stack: alias.stack ?? scope.stack,
    });
  };
  const inherited = (
    childName: string,
    childType: string,
    parentName: string,
    parentAlias: string,
  ) =>
    createUrn(
      childName.startsWith(parentName)
        ? typeAndName(parentAlias).name + childName.slice(parentName.length)
        : childName,
      childType,
      parentAlias,
      scope,
    );
  const aliases = new Map<string, readonly string[]>();
  const aliasesOf = (key: string): readonly string[] => {
    const cached = aliases.get(key);
    if (cached !== undefined) return cached;
    const r = resource(key);
    const own = r.aliases.map((a) => collapse(a, r));
    const all = [...own];
    if (r.parent !== null) {
      const parent = resource(r.parent);
      for (const parentAlias of aliasesOf(r.parent)) {
        all.push(inherited(r.name, r.type, parent.name, parentAlias));
        for (const alias of own) {
          const old = typeAndName(alias);
          all.push(inherited(old.name, old.type, parent.name, parentAlias));
        }
      }
    }
    aliases.set(key, all);
    return all;
  };
  return { urnOf, aliasesOf, keys: [...byKey.keys()] };
}
