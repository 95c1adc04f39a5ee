/**
 * Compares two plans (a base, usually the pull request's target branch, and a head) the way
 * `pulumi preview --diff` reports an update: resources created, updated, replaced and deleted, and
 * for each changed one the inputs that differ, old and new value.
 *
 * Resources are matched as the engine matches them, by URN: a head resource whose URN the base does
 * not have, but which has an alias to a base resource's URN, is that resource moved, not a new one
 * (infra/plan/urns.ts). An input change that the provider cannot apply in place makes a replacement
 * (infra/plan/replacements.ts), and replacing or deleting a resource that holds data puts a warning
 * first: the data goes with the old resource unless something protects it.
 */
import { diffArrays } from "diff";
import { formatScalar } from "./format";
import { computedMarker, type Plan, type PlanResource, type PlanValue, resourceKey } from "./model";
import { forcingInputs, isUnder, replacingInputs } from "./replacements";
import { createUrn } from "./urns";

/** One property that differs; `path` is dotted with array indexes (`policy.Statement[0].Action`). */
export interface PropertyChange {
  readonly path: string;
  readonly kind: "added" | "removed" | "changed";
  readonly before?: PlanValue;
  readonly after?: PlanValue;
}

/** What `pulumi up` does to a resource. */
export type ResourceChangeKind = "added" | "removed" | "changed" | "replaced";

/** One resource that differs between the plans. */
export interface ResourceChange {
  readonly type: string;
  readonly name: string;
  readonly kind: ResourceChangeKind;
  /** Every input of an added or removed resource; the differing ones of a changed or replaced one. */
  readonly properties: readonly PropertyChange[];
  /** For a replacement: the inputs whose change forces it. */
  readonly forcedBy?: readonly string[];
  /** The URN the resource had in the base, when it moved there from (through an alias). */
  readonly movedFrom?: string;
}

/** What protects a data-bearing resource from losing its data when it is replaced or deleted. */
export type Protection = "none" | "protect" | "retainOnDelete" | "deletionProtectionEnabled";

/** A data-bearing resource that `pulumi up` would replace or delete. */
export interface DataLossWarning {
  readonly type: string;
  readonly name: string;
  readonly kind: "replaced" | "removed";
  /** What it holds (`items`), from infra/plan/replacements.ts. */
  readonly holds: string;
  readonly protection: Protection;
  /** The warning as one line, as `formatDiff` prints it. */
  readonly message: string;
}

/** A resource that moved through an alias and whose inputs are otherwise unchanged. */
export interface MovedResource {
  readonly type: string;
  readonly name: string;
  readonly movedFrom: string;
}

/** A resource some of whose input changes `pulumi up` ignores (its `ignoreChanges` option). */
export interface IgnoredChanges {
  readonly type: string;
  readonly name: string;
  /** The changed inputs the deployed resource keeps its old value of. */
  readonly inputs: readonly string[];
}

/** What changes from base to head. */
export interface PlanDiff {
  readonly stack: string;
  /** Data-bearing resources replaced or deleted: printed first. */
  readonly warnings: readonly DataLossWarning[];
  readonly resources: readonly ResourceChange[];
  /** Resources with no change at all, moved ones included. */
  readonly unchanged: number;
  /** The unchanged resources that moved (Pulumi adopts them in place). */
  readonly moved: readonly MovedResource[];
  /** Changes `pulumi up` ignores, so that neither update nor replace them. */
  readonly ignored: readonly IgnoredChanges[];
  readonly outputs: readonly PropertyChange[];
}

const stackType = "pulumi:pulumi:Stack";

/** Every line of a data-loss warning starts with this, so the PR comment can put them first. */
export const warningPrefix = "! ";

/**
 * Flattens a value into leaf paths: `{a: {b: 1}, c: [2]}` -> `a.b = 1`, `c[0] = 2`. Empty objects and
 * arrays are leaves, so adding the first element still shows.
 */
export function flatten(
  value: PlanValue,
  path = "",
  into = new Map<string, PlanValue>(),
): Map<string, PlanValue> {
  if (Array.isArray(value) && value.length > 0) {
    value.forEach((item, i) => flatten(item, `${path}[${i}]`, into));
  } else if (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0
  ) {
    for (const [key, item] of Object.entries(value))
      flatten(item, path === "" ? key : `${path}.${key}`, into);
  } else {
    into.set(path, value);
  }
  return into;
}

/** Leaf paths of a resource's inputs; none at all for a resource without inputs. */
function leaves(value: PlanValue): Map<string, PlanValue> {
  const flat = flatten(value);
  flat.delete("");
  return flat;
}

/**
 * The leaves that differ. A leaf the base shows as (computed) is not compared: the base plan could
 * not know it (an older plan tool, or a value only known after deployment), so no change can be told.
 */
function diffValues(before: PlanValue, after: PlanValue): PropertyChange[] {
  const a = leaves(before);
  const b = leaves(after);
  const changes: PropertyChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const had = a.has(path);
    const has = b.has(path);
    const old = a.get(path) ?? null;
    const now = b.get(path) ?? null;
    if (had && !has) changes.push({ path, kind: "removed", before: old });
    else if (!had && has) changes.push({ path, kind: "added", after: now });
    else if (old !== computedMarker && JSON.stringify(old) !== JSON.stringify(now))
      changes.push({ path, kind: "changed", before: old, after: now });
  }
  return changes;
}

/**
 * The URN of every resource of `plan` by its key, as the engine computes it from the parent chain.
 * Both plans of a diff are taken as the same stack (`scope`): a diff compares two versions of one.
 */
function urnsOf(
  plan: Plan,
  scope: { readonly project: string; readonly stack: string },
): Map<string, string> {
  const byKey = new Map(plan.resources.map((r) => [resourceKey(r), r]));
  const urns = new Map<string, string>();
  const urnOf = (key: string, seen: ReadonlySet<string>): string | undefined => {
    const cached = urns.get(key);
    if (cached !== undefined) return cached;
    const resource = byKey.get(key);
    // A parent the plan does not hold (or a cycle in a hand-edited file): taken as the stack.
    if (resource === undefined || seen.has(key)) return undefined;
    const parent =
      resource.parent === null ? undefined : urnOf(resource.parent, new Set([...seen, key]));
    const urn = createUrn(resource.name, resource.type, parent, scope);
    urns.set(key, urn);
    return urn;
  };
  for (const key of byKey.keys()) urnOf(key, new Set());
  return urns;
}

/** The one-line warning for a data-bearing resource that is replaced or deleted. */
function warningFor(
  resource: PlanResource,
  kind: "replaced" | "removed",
  holds: string,
  protection: Protection,
  forcedBy: readonly string[],
): string {
  const what = `${resource.type} ${resource.name}`;
  const action =
    kind === "replaced"
      ? `is replaced (${forcedBy.join(", ")} cannot change in place)`
      : "is deleted (the program no longer creates it)";
  const consequence: Record<Protection, string> = {
    none: `its ${holds} are lost with the old resource: it is neither protected (protect) nor retained (retainOnDelete)`,
    protect: `but it is protected (protect): pulumi up stops before changing anything; unprotecting it loses its ${holds}`,
    retainOnDelete: `the old one stays in the account with its ${holds} (retainOnDelete), outside the stack${kind === "replaced" ? "; the new one starts empty" : ""}`,
    deletionProtectionEnabled: `but AWS refuses to delete it (deletionProtectionEnabled): pulumi up fails${kind === "replaced" ? " after creating the new one" : ""}; turning that off loses its ${holds}`,
  };
  const label = protection === "none" ? "data loss" : "data at risk";
  return `${warningPrefix}${label}: ${what} ${action}; ${consequence[protection]}`;
}

/** What protects `old` (the deployed resource) when `pulumi up` replaces or deletes it. */
function protectionOf(old: PlanResource, now: PlanResource | undefined): Protection {
  if (old.options?.protect === true || now?.options?.protect === true) return "protect";
  if ((now ?? old).options?.retainOnDelete === true) return "retainOnDelete";
  if (old.inputs["deletionProtectionEnabled"] === true) return "deletionProtectionEnabled";
  return "none";
}

/**
 * The differences from `base` to `head`: resources in head's order, deleted ones after; the
 * data-loss warnings in the same order.
 */
export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const scope = {
    project: head.project || base.project,
    stack: head.stack || base.stack,
  };
  const baseUrns = urnsOf(base, scope);
  const headUrns = urnsOf(head, scope);
  const baseByUrn = new Map<string, PlanResource>();
  for (const resource of base.resources) {
    const urn = baseUrns.get(resourceKey(resource));
    if (urn !== undefined) baseByUrn.set(urn, resource);
  }

  // The engine takes a resource's own URN first, then its aliases in order; a base resource is
  // claimed by one head resource at most. The stack itself is one resource whatever its name, so a
  // copy of a stack file under another stack name diffs like the stack it copies.
  const baseStack = base.resources.find((r) => r.type === stackType);
  const baseStackUrn = baseStack && baseUrns.get(resourceKey(baseStack));
  const claimed = new Set<string>();
  const matches = head.resources.map((resource) => {
    const urn = headUrns.get(resourceKey(resource)) ?? "";
    const candidates = [urn, ...(resource.aliases ?? [])];
    if (resource.type === stackType && baseStackUrn !== undefined) candidates.push(baseStackUrn);
    const found = candidates.find((c) => baseByUrn.has(c) && !claimed.has(c));
    if (found !== undefined) claimed.add(found);
    return { resource, oldUrn: found, movedFrom: found !== undefined && found !== urn };
  });

  const warnings: DataLossWarning[] = [];
  const warn = (
    old: PlanResource,
    now: PlanResource | undefined,
    kind: "replaced" | "removed",
    forcedBy: readonly string[],
  ): void => {
    const holds = replacingInputs[(now ?? old).type]?.holds;
    if (holds === undefined) return;
    const protection = protectionOf(old, now);
    warnings.push({
      type: old.type,
      name: (now ?? old).name,
      kind,
      holds,
      protection,
      message: warningFor(now ?? old, kind, holds, protection, forcedBy),
    });
  };

  const resources: ResourceChange[] = [];
  const moved: MovedResource[] = [];
  const ignored: IgnoredChanges[] = [];
  let unchanged = 0;
  for (const { resource, oldUrn, movedFrom } of matches) {
    const old = oldUrn === undefined ? undefined : baseByUrn.get(oldUrn);
    if (old === undefined) {
      resources.push({
        type: resource.type,
        name: resource.name,
        kind: "added",
        properties: diffValues({}, resource.inputs),
      });
      continue;
    }
    // Pulumi keeps the deployed value of an input under `ignoreChanges`: neither update nor replace.
    const ignore = resource.options?.ignoreChanges ?? [];
    const changes = diffValues(old.inputs, resource.inputs);
    const properties = changes.filter((p) => !ignore.some((path) => isUnder(p.path, path)));
    if (properties.length < changes.length) {
      const inputs = ignore.filter((path) => changes.some((p) => isUnder(p.path, path)));
      ignored.push({ type: resource.type, name: resource.name, inputs });
    }
    const from = movedFrom && oldUrn !== undefined ? { movedFrom: oldUrn } : {};
    if (properties.length === 0) {
      unchanged++;
      if (movedFrom && oldUrn !== undefined)
        moved.push({ type: resource.type, name: resource.name, movedFrom: oldUrn });
      continue;
    }
    const forcedBy = forcingInputs(
      resource.type,
      properties.map((p) => p.path),
    );
    if (forcedBy.length > 0) warn(old, resource, "replaced", forcedBy);
    resources.push({
      type: resource.type,
      name: resource.name,
      kind: forcedBy.length > 0 ? "replaced" : "changed",
      properties,
      ...(forcedBy.length > 0 ? { forcedBy } : {}),
      ...from,
    });
  }
  for (const resource of base.resources) {
    const urn = baseUrns.get(resourceKey(resource));
    if (urn !== undefined && claimed.has(urn)) continue;
    warn(resource, undefined, "removed", []);
    resources.push({
      type: resource.type,
      name: resource.name,
      kind: "removed",
      properties: diffValues(resource.inputs, {}),
    });
  }
  return {
    stack: head.stack,
    warnings,
    resources,
    unchanged,
    moved,
    ignored,
    outputs: diffValues(base.outputs, head.outputs),
  };
}

const sign: Record<ResourceChangeKind, string> = {
  added: "+",
  removed: "-",
  changed: "~",
  replaced: "+-",
};
const verb: Record<ResourceChangeKind, string> = {
  added: "create",
  removed: "delete",
  changed: "update",
  replaced: "replace",
};
const propertySign = { added: "+", removed: "-", changed: "~" } as const;
const pad = "      ";

/**
 * Edits a line diff may search before it gives up on a minimal diff. Myers' algorithm takes
 * O((n + m) * d) time for d edits and keeps up to O(d^2) small path records: the bound keeps both
 * small for texts of any length. Beyond it the changed middle is shown whole (old lines, then new).
 */
export const maxLineEdits = 1000;

/** Lines of context kept around each change of a line diff. */
const contextLines = 2;

/**
 * Lines of a multi-line string change, as a line diff (`-` old line, `+` new line, two lines of
 * context, ` ...` for lines left out). Memory grows with the texts' length, not with its square:
 * common first and last lines are set aside in one pass, and the middle goes to jsdiff's Myers
 * implementation with a bound on the edits ({@link maxLineEdits}).
 */
export function lineDiff(before: string, after: string): string[] {
  const a = before.replace(/\n$/, "").split("\n");
  const b = after.replace(/\n$/, "").split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const oldMiddle = a.slice(start, endA);
  const newMiddle = b.slice(start, endB);
  const middle = diffArrays(oldMiddle, newMiddle, { maxEditLength: maxLineEdits }) ?? [
    { value: oldMiddle, removed: true, added: false, count: oldMiddle.length },
    { value: newMiddle, removed: false, added: true, count: newMiddle.length },
  ];
  const lines: string[] = a.slice(0, start).map((line) => ` ${line}`);
  for (const part of middle) {
    const mark = part.added ? "+" : part.removed ? "-" : " ";
    for (const line of part.value) lines.push(`${mark}${line}`);
  }
  for (const line of a.slice(endA)) lines.push(` ${line}`);

  // Keep the context around each change: mark every line within reach of one, in two passes.
  const keep = new Uint8Array(lines.length);
  let lastChange = -Infinity;
  for (let k = 0; k < lines.length; k++) {
    if (!lines[k]!.startsWith(" ")) lastChange = k;
    if (k - lastChange <= contextLines) keep[k] = 1;
  }
  let nextChange = Infinity;
  for (let k = lines.length - 1; k >= 0; k--) {
    if (!lines[k]!.startsWith(" ")) nextChange = k;
    if (nextChange - k <= contextLines) keep[k] = 1;
  }
  const kept: string[] = [];
  lines.forEach((line, k) => {
    if (keep[k] === 1) kept.push(line);
    else if (kept[kept.length - 1] !== " ...") kept.push(" ...");
  });
  return kept;
}

function propertyLines(change: PropertyChange): string[] {
  const { before, after } = change;
  if (
    change.kind === "changed" &&
    typeof before === "string" &&
    typeof after === "string" &&
    (before.includes("\n") || after.includes("\n"))
  ) {
    return [
      `~${pad}${change.path}:`,
      ...lineDiff(before, after).map((l) => `${l[0]}${pad}${pad}${l.slice(1)}`.trimEnd()),
    ];
  }
  const show = (value: PlanValue | undefined): string =>
    typeof value === "string" && value.includes("\n")
      ? `(${value.split("\n").length} lines)`
      : formatScalar(value ?? null);
  const mark = propertySign[change.kind];
  if (change.kind === "added") return [`${mark}${pad}${change.path}: ${show(after)}`];
  if (change.kind === "removed") return [`${mark}${pad}${change.path}: ${show(before)}`];
  return [`-${pad}${change.path}: ${show(before)}`, `+${pad}${change.path}: ${show(after)}`];
}

/** The top-level inputs that changed, as Pulumi lists them: `[diff: ~name,+tags]`. */
function changedKeys(properties: readonly PropertyChange[]): string {
  const keys = properties
    .map((p) => `${propertySign[p.kind]}${p.path.split(/[.[]/)[0]}`)
    .filter((p, i, all) => all.indexOf(p) === i);
  return `[diff: ${keys.join(",")}]`;
}

/**
 * The diff as text: the data-loss warnings first (each line starting with {@link warningPrefix}),
 * then one block per resource, each line starting with `+`, `-`, `~` or `+-` so a Markdown `diff`
 * block colours it, then the outputs and a summary.
 */
export function formatDiff(diff: PlanDiff): string {
  const counts: Record<ResourceChangeKind, number> = {
    added: 0,
    removed: 0,
    changed: 0,
    replaced: 0,
  };
  const lines: string[] = diff.warnings.map((w) => w.message);
  for (const resource of diff.resources) {
    counts[resource.kind]++;
    const details: string[] = [];
    if (resource.kind === "changed" || resource.kind === "replaced")
      details.push(changedKeys(resource.properties));
    if (resource.forcedBy !== undefined) details.push(`[replace: ${resource.forcedBy.join(",")}]`);
    if (resource.movedFrom !== undefined) details.push(`[moved from ${resource.movedFrom}]`);
    lines.push(
      [
        `${sign[resource.kind]} ${resource.type}: ${resource.name} (${verb[resource.kind]})`,
        ...details,
      ].join(" "),
    );
    for (const property of resource.properties) lines.push(...propertyLines(property));
  }
  for (const m of diff.moved) lines.push(`  ${m.type}: ${m.name} (moved from ${m.movedFrom})`);
  for (const i of diff.ignored)
    lines.push(
      `  ${i.type}: ${i.name} (ignoreChanges: ${i.inputs.join(", ")} changed; pulumi up keeps the deployed value)`,
    );
  if (diff.outputs.length > 0) {
    lines.push("  Outputs:");
    for (const output of diff.outputs) lines.push(...propertyLines(output));
  }
  const moves = diff.moved.length > 0 ? ` (${diff.moved.length} moved through aliases)` : "";
  const summary =
    diff.resources.length === 0 && diff.outputs.length === 0
      ? `No changes: ${diff.unchanged} resources unchanged${moves}.`
      : `Resources: ${counts.added} to create, ${counts.changed} to update, ${counts.replaced} to replace, ${counts.removed} to delete, ${diff.unchanged} unchanged${moves}.`;
  return `${[`Plan diff of stack ${diff.stack}:`, ...lines, summary].join("\n")}\n`;
}

/** Reads a plan saved with `--json`; throws naming `source` when it is not one. */
export function parsePlanJson(text: string, source: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source} is not JSON (${error instanceof Error ? error.message : String(error)}); expected the output of npm run plan -- --json`,
    );
  }
  const plan = value as Partial<Plan> | null;
  const resourcesOk =
    Array.isArray(plan?.resources) &&
    plan.resources.every(
      (r) =>
        typeof r?.type === "string" &&
        typeof r?.name === "string" &&
        typeof r?.inputs === "object" &&
        (r.aliases === undefined ||
          (Array.isArray(r.aliases) && r.aliases.every((a: unknown) => typeof a === "string"))),
    );
  if (plan === null || typeof plan !== "object" || !resourcesOk) {
    throw new Error(
      `${source} is not a plan: expected {"resources": [{"type", "name", "parent", "inputs"}...], "outputs": {...}} from npm run plan -- --json`,
    );
  }
  return {
    project: String(plan.project ?? ""),
    stack: String(plan.stack ?? ""),
    resources: plan.resources.map((r) => ({ ...r, parent: r.parent ?? null })),
    outputs: plan.outputs ?? {},
    warnings: plan.warnings ?? [],
  };
}
