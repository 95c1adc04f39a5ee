/**
 * Compares two plans (a base, usually the pull request's target branch, and a head) the way a
 * preview reports an update: resources added, removed and changed, and for each changed one the
 * properties that differ, old and new value.
 */
import { formatScalar } from "./format";
import { type Plan, type PlanResource, type PlanValue, resourceKey } from "./model";

/** One property that differs; `path` is dotted with array indexes (`policy.Statement[0].Action`). */
export interface PropertyChange {
  readonly path: string;
  readonly kind: "added" | "removed" | "changed";
  readonly before?: PlanValue;
  readonly after?: PlanValue;
}

/** One resource that differs between the plans. */
export interface ResourceChange {
  readonly type: string;
  readonly name: string;
  readonly kind: "added" | "removed" | "changed";
  /** Every input of an added or removed resource; the differing ones of a changed resource. */
  readonly properties: readonly PropertyChange[];
}

/** What changes from base to head. */
export interface PlanDiff {
  readonly stack: string;
  readonly resources: readonly ResourceChange[];
  readonly unchanged: number;
  readonly outputs: readonly PropertyChange[];
}

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
    else if (JSON.stringify(old) !== JSON.stringify(now))
      changes.push({ path, kind: "changed", before: old, after: now });
  }
  return changes;
}

function withParent(resource: PlanResource): PlanValue {
  return { ...resource.inputs, "(parent)": resource.parent };
}

/** The differences from `base` to `head`, resources in head's order, removed ones after. */
export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const before = new Map(base.resources.map((r) => [resourceKey(r), r]));
  const after = new Set(head.resources.map(resourceKey));
  const resources: ResourceChange[] = [];
  let unchanged = 0;
  for (const resource of head.resources) {
    const old = before.get(resourceKey(resource));
    if (old === undefined) {
      resources.push({
        type: resource.type,
        name: resource.name,
        kind: "added",
        properties: diffValues({}, resource.inputs),
      });
      continue;
    }
    const properties = diffValues(withParent(old), withParent(resource));
    if (properties.length === 0) unchanged++;
    else resources.push({ type: resource.type, name: resource.name, kind: "changed", properties });
  }
  for (const resource of base.resources) {
    if (!after.has(resourceKey(resource))) {
      resources.push({
        type: resource.type,
        name: resource.name,
        kind: "removed",
        properties: diffValues(resource.inputs, {}),
      });
    }
  }
  return {
    stack: head.stack,
    resources,
    unchanged,
    outputs: diffValues(base.outputs, head.outputs),
  };
}

const sign = { added: "+", removed: "-", changed: "~" } as const;
const pad = "      ";

/** Lines of a multi-line string change, as a line diff (`-` old line, `+` new line, context kept). */
export function lineDiff(before: string, after: string): string[] {
  const a = before.replace(/\n$/, "").split("\n");
  const b = after.replace(/\n$/, "").split("\n");
  // Longest common subsequence table, from the end.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0),
  );
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push(` ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      lines.push(`-${a[i]}`);
      i++;
    } else {
      lines.push(`+${b[j]}`);
      j++;
    }
  }
  // Keep two lines of context around each change.
  const near = (k: number): boolean =>
    lines.slice(Math.max(0, k - 2), k + 3).some((l) => !l.startsWith(" "));
  const kept: string[] = [];
  lines.forEach((line, k) => {
    if (near(k)) kept.push(line);
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
  if (change.kind === "added") return [`+${pad}${change.path}: ${show(after)}`];
  if (change.kind === "removed") return [`-${pad}${change.path}: ${show(before)}`];
  return [`-${pad}${change.path}: ${show(before)}`, `+${pad}${change.path}: ${show(after)}`];
}

/**
 * The diff as text, one block per resource, each line starting with `+`, `-` or `~` so a Markdown
 * `diff` block colours it.
 */
export function formatDiff(diff: PlanDiff): string {
  const counts = { added: 0, removed: 0, changed: 0 };
  const lines: string[] = [];
  for (const resource of diff.resources) {
    counts[resource.kind]++;
    const changed =
      resource.kind === "changed"
        ? ` [diff: ${resource.properties
            .map((p) => `${sign[p.kind]}${p.path.split(/[.[]/)[0]}`)
            .filter((p, i, all) => all.indexOf(p) === i)
            .join(",")}]`
        : "";
    lines.push(
      `${sign[resource.kind]} ${resource.type}: ${resource.name} (${resource.kind === "added" ? "create" : resource.kind === "removed" ? "delete" : "update"})${changed}`,
    );
    for (const property of resource.properties) lines.push(...propertyLines(property));
  }
  if (diff.outputs.length > 0) {
    lines.push("  Outputs:");
    for (const output of diff.outputs) lines.push(...propertyLines(output));
  }
  const summary =
    diff.resources.length === 0 && diff.outputs.length === 0
      ? `No changes: ${diff.unchanged} resources unchanged.`
      : `Resources: ${counts.added} to create, ${counts.changed} to update, ${counts.removed} to delete, ${diff.unchanged} unchanged.`;
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
        typeof r?.type === "string" && typeof r?.name === "string" && typeof r?.inputs === "object",
    );
  if (plan === null || typeof plan !== "object" || !resourcesOk) {
    throw new Error(
      `${source} is not a plan: expected {"resources": [{"type", "name", "parent", "inputs"}...], "outputs": {...}} from npm run plan -- --json`,
    );
  }
  return {
    project: String(plan.project ?? ""),
    stack: String(plan.stack ?? ""),
    resources: plan.resources ?? [],
    outputs: plan.outputs ?? {},
    warnings: plan.warnings ?? [],
  };
}
