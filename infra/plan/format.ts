/**
 * Prints a plan for people, the way `pulumi preview --diff` lists what it would create: one `+` line
 * per resource, indented under its parent, with its protecting options (`[protect]`), then its
 * inputs; then the stack outputs and warnings.
 */
import { planAccount } from "./arns";
import { computedMarker, type Plan, planOptionFlags, type PlanValue, secretMarker } from "./model";

const indentUnit = "    ";

/** A scalar as a preview shows it: strings quoted, the rest as JSON, markers bare. */
export function formatScalar(value: PlanValue): string {
  return value === computedMarker || value === secretMarker ? value : JSON.stringify(value);
}

/**
 * The lines that show `key: value`, starting at `indent`. Objects and arrays open a bracket and list
 * their members one level deeper; multi-line strings (SQL) are shown line by line after a `|`.
 */
export function formatProperty(key: string, value: PlanValue, indent: string): string[] {
  if (typeof value === "string" && value.includes("\n")) {
    const body = value.replace(/\n$/, "").split("\n");
    return [`${indent}${key}: |`, ...body.map((line) => `${indent}${indentUnit}${line}`.trimEnd())];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}${key}: []`];
    return [
      `${indent}${key}: [`,
      ...value.flatMap((item, i) => formatProperty(`[${i}]`, item, indent + indentUnit)),
      `${indent}]`,
    ];
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return [`${indent}${key}: {}`];
    return [
      `${indent}${key}: {`,
      ...keys.flatMap((k) => formatProperty(k, value[k] ?? null, indent + indentUnit)),
      `${indent}}`,
    ];
  }
  return [`${indent}${key}: ${formatScalar(value)}`];
}

/** The whole plan as text. */
export function formatPlan(plan: Plan): string {
  const depth = new Map<string, number>();
  const lines: string[] = [
    `Plan of stack ${plan.stack} (project ${plan.project}), computed offline under Pulumi's mocks.`,
    `Values shown as (computed) are known only after deployment; [secret] hides a secret. ARNs are`,
    `built from each resource's type, name and region in account ${planAccount}.`,
    "",
  ];
  for (const resource of plan.resources) {
    const level = resource.parent === null ? 0 : (depth.get(resource.parent) ?? 0) + 1;
    depth.set(`${resource.type}::${resource.name}`, level);
    const indent = indentUnit.repeat(level);
    const options: string[] = planOptionFlags.filter((flag) => resource.options?.[flag] === true);
    const ignored = resource.options?.ignoreChanges ?? [];
    if (ignored.length > 0) options.push(`ignoreChanges: ${ignored.join(", ")}`);
    const marks = options.length > 0 ? ` [${options.join("; ")}]` : "";
    lines.push(`+ ${indent}${resource.type}: ${resource.name}${marks}`);
    for (const [key, value] of Object.entries(resource.inputs)) {
      lines.push(...formatProperty(key, value, `  ${indent}${indentUnit}`));
    }
  }
  lines.push("", "Outputs:");
  for (const [key, value] of Object.entries(plan.outputs)) {
    lines.push(...formatProperty(key, value, indentUnit));
  }
  if (plan.warnings.length > 0) {
    lines.push("", "Warnings:", ...plan.warnings.map((w) => `${indentUnit}${w}`));
  }
  lines.push("", `Resources: ${plan.resources.length} to create`);
  return `${lines.join("\n")}\n`;
}
