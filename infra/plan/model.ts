/**
 * The plan: what `pulumi up` would create for a stack, as plain JSON that can be printed, stored and
 * diffed. Values are normalised the way a preview shows them: unknown values become `(computed)`,
 * secrets `[secret]`, assets a hash and a size (text files of an archive their text), object keys
 * sorted.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

/** A JSON value of a plan. */
export type PlanValue =
  null | boolean | number | string | PlanValue[] | { [key: string]: PlanValue };

/** Shown for a value only known after deployment (an ARN, an id). */
export const computedMarker = "(computed)";
/** Shown instead of a secret value. */
export const secretMarker = "[secret]";

/** One resource of the plan. */
export interface PlanResource {
  /** Type token, e.g. `aws:kinesis/stream:Stream`. */
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  /** `<type>::<name>` of the parent, or null for the stack itself. */
  readonly parent: string | null;
  /** Inputs as the program set them, normalised. */
  readonly inputs: { readonly [key: string]: PlanValue };
  /**
   * The URNs this resource had before it moved or was renamed (its `aliases`, with those it
   * inherits from its parents, as the engine resolves them: infra/plan/urns.ts). Absent when none.
   * A diff takes a base resource at one of these URNs for this one, moved, as `pulumi up` does.
   */
  readonly aliases?: readonly string[];
  /** The resource options that change what `pulumi up` does to it; absent when none is set. */
  readonly options?: PlanOptions;
}

/**
 * Resource options of a plan's resource, each present only when set: whether Pulumi refuses to
 * delete or replace it (`protect`), keeps it in the account when it leaves the stack
 * (`retainOnDelete`), deletes it before creating its replacement (`deleteBeforeReplace`), and which
 * input changes it ignores after creation (`ignoreChanges`). The plan diff reads them to tell
 * protected data from data a change would lose, and a change `pulumi up` ignores from an update.
 */
export interface PlanOptions {
  readonly protect?: true;
  readonly retainOnDelete?: true;
  readonly deleteBeforeReplace?: true;
  readonly ignoreChanges?: readonly string[];
}

/** The flags of {@link PlanOptions}, in the order a plan lists them. */
export const planOptionFlags = ["protect", "retainOnDelete", "deleteBeforeReplace"] as const;

/** Everything `npm run plan -- --json` prints. */
export interface Plan {
  readonly project: string;
  readonly stack: string;
  readonly resources: readonly PlanResource[];
  readonly outputs: { readonly [key: string]: PlanValue };
  /** Warnings the program logged while it ran (for example the KDA SQL end of life). */
  readonly warnings: readonly string[];
}

/** The identity of a resource within a plan: `<type>::<name>`. */
export function resourceKey(resource: { readonly type: string; readonly name: string }): string {
  return `${resource.type}::${resource.name}`;
}

const secretSignatureKey = "4dabf18193072939515e22adb298388d";
const secretSignature = "1b47061264138c4ac30d75fd1eb44270";

function describeText(text: string): string {
  const hash = crypto.createHash("sha256").update(text).digest("hex");
  return `sha256:${hash} (${Buffer.byteLength(text)} bytes)`;
}

/**
 * Normalises a value as the mocks saw it (deserialized resource inputs) or as the runtime serialized
 * it (stack outputs). Returns undefined for a value that is absent.
 *
 * `toPlanValue(pulumi.unknown)` -> `"(computed)"`; `toPlanValue({b: 1, a: [2]})` -> `{a: [2], b: 1}`
 */
export async function toPlanValue(value: unknown): Promise<PlanValue | undefined> {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "boolean" || typeof value === "number") return value;
  if (typeof value === "string")
    return value === pulumi.runtime.unknownValue ? computedMarker : value;
  if (pulumi.isUnknown(value)) return computedMarker;
  if (Array.isArray(value)) {
    const items = await Promise.all(value.map(toPlanValue));
    return items.map((item) => item ?? null);
  }
  if (pulumi.asset.Asset.isInstance(value)) return describeAsset(value);
  if (pulumi.asset.Archive.isInstance(value)) return describeArchive(value);
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[secretSignatureKey] === secretSignature) return secretMarker;
    const result: { [key: string]: PlanValue } = {};
    for (const key of Object.keys(record).sort()) {
      const item = await toPlanValue(record[key]);
      if (item !== undefined) result[key] = item;
    }
    return result;
  }
  throw new Error(`Cannot show a value of type ${typeof value} in a plan`);
}

async function describeAsset(asset: pulumi.asset.Asset): Promise<PlanValue> {
  if (asset instanceof pulumi.asset.StringAsset) return describeText(await asset.text);
  if (asset instanceof pulumi.asset.FileAsset) return `file ${await asset.path}`;
  if (asset instanceof pulumi.asset.RemoteAsset) return `remote ${await asset.uri}`;
  throw new Error("Cannot show an asset of an unknown kind in a plan");
}

/**
 * Files of an archive shown as their text rather than a hash: what a reviewer reads line by line
 * (the SQL, the input schema beside a function's bundle). Code bundles stay hashed: they are
 * generated, and their diff says nothing a reviewer can check.
 */
const textFilePattern = /\.(sql|json|ya?ml|txt|md|csv)$/i;

async function describeArchive(archive: pulumi.asset.Archive): Promise<PlanValue> {
  if (archive instanceof pulumi.asset.AssetArchive) {
    const assets = await archive.assets;
    const result: { [key: string]: PlanValue } = {};
    for (const name of Object.keys(assets).sort()) {
      const item = assets[name];
      if (item === undefined) continue;
      if (item instanceof pulumi.asset.StringAsset && textFilePattern.test(name)) {
        result[name] = await item.text;
        continue;
      }
      result[name] = pulumi.asset.Asset.isInstance(item)
        ? await describeAsset(item)
        : await describeArchive(item);
    }
    return result;
  }
  if (archive instanceof pulumi.asset.FileArchive) return `file archive ${await archive.path}`;
  if (archive instanceof pulumi.asset.RemoteArchive) return `remote archive ${await archive.uri}`;
  throw new Error("Cannot show an archive of an unknown kind in a plan");
}

/**
 * Orders resources the way a preview lists them, stably: the stack, then each parent followed by its
 * children, children sorted by type and name.
 */
export function orderResources(resources: readonly PlanResource[]): PlanResource[] {
  const children = new Map<string | null, PlanResource[]>();
  for (const resource of resources) {
    const siblings = children.get(resource.parent) ?? [];
    siblings.push(resource);
    children.set(resource.parent, siblings);
  }
  const ordered: PlanResource[] = [];
  const visit = (parent: string | null): void => {
    const siblings = [...(children.get(parent) ?? [])].sort((a, b) =>
      resourceKey(a) < resourceKey(b) ? -1 : resourceKey(a) > resourceKey(b) ? 1 : 0,
    );
    for (const resource of siblings) {
      ordered.push(resource);
      visit(resourceKey(resource));
    }
  };
  visit(null);
  // Resources whose parent is not in the plan still appear, at the end.
  const seen = new Set(ordered);
  for (const resource of resources) if (!seen.has(resource)) ordered.push(resource);
  return ordered;
}
