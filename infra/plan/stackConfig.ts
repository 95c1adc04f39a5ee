/**
 * Reads a stack's configuration the way the Pulumi CLI hands it to a program: the project's defaults
 * from `Pulumi.yaml`, overridden by `Pulumi.<stack>.yaml`, every value a string (lists and objects as
 * JSON), keys namespaced (`clickstream-sessionizer:shardCount`). Secure values cannot be decrypted
 * offline; they are kept as `[secret]` and listed as secret keys.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { secretMarker } from "./model";

/** A stack's configuration as `PULUMI_CONFIG` would hold it. */
export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  readonly values: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Loads stack `stack` of the project in `directory`.
 * Throws when `Pulumi.yaml` or `Pulumi.<stack>.yaml` is missing or malformed, naming the file.
 */
export function readStackConfig(directory: string, stack: string): StackConfig {
  const projectFile = path.join(directory, "Pulumi.yaml");
  const stackFile = path.join(directory, `Pulumi.${stack}.yaml`);
  const read = (file: string): unknown => {
    if (!fs.existsSync(file)) {
      throw new Error(
        `${path.basename(file)} not found in ${directory}: no stack named "${stack}"`,
      );
    }
    return parse(fs.readFileSync(file, "utf8")) ?? {};
  };
  return stackConfigFrom(read(projectFile), read(stackFile), stack, { projectFile, stackFile });
}

/**
 * The configuration of stack `stack` from the parsed project file and stack file, as
 * {@link readStackConfig} reads them from disk; `sources` names the two in error messages.
 * The engine tests use it for a stack file they change in memory.
 */
export function stackConfigFrom(
  project: unknown,
  stackSettings: unknown,
  stack: string,
  sources: { readonly projectFile: string; readonly stackFile: string } = {
    projectFile: "Pulumi.yaml",
    stackFile: `Pulumi.${stack}.yaml`,
  },
): StackConfig {
  const { projectFile, stackFile } = sources;
  if (!isRecord(project) || typeof project["name"] !== "string") {
    throw new Error(`${projectFile}: expected a mapping with a string "name"`);
  }
  const projectName = project["name"];
  const namespaced = (key: string): string => (key.includes(":") ? key : `${projectName}:${key}`);

  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declared = project["config"];
  if (isRecord(declared)) {
    for (const [key, declaration] of Object.entries(declared)) {
      // Project keys declare a `default`; keys of other namespaces (aws:region) a `value`.
      const fallback = isRecord(declaration)
        ? (declaration["default"] ?? declaration["value"])
        : declaration;
      if (fallback !== undefined && fallback !== null)
        values[namespaced(key)] = asConfigString(fallback);
    }
  }

  const stackValues = isRecord(stackSettings) ? stackSettings["config"] : undefined;
  if (stackValues !== undefined && stackValues !== null && !isRecord(stackValues)) {
    throw new Error(`${stackFile}: "config" must be a mapping of keys to values`);
  }
  for (const [key, value] of Object.entries(stackValues ?? {})) {
    if (isRecord(value) && "secure" in value) {
      values[namespaced(key)] = secretMarker;
      secretKeys.push(namespaced(key));
    } else {
      values[namespaced(key)] = asConfigString(value);
    }
  }
  return { project: projectName, stack, values, secretKeys };
}
