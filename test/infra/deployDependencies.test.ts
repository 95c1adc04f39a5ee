/**
 * `npm ci --omit=dev` followed by `pulumi up` must find every package the deploy loads: the
 * program's own modules, the TypeScript compiler Pulumi runs it with (ts-node, typescript), and every
 * file esbuild bundles into the handlers. Checked against package-lock.json, where npm marks each
 * package that only devDependencies need `"dev": true`, which `--omit=dev` leaves out.
 */
import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { buildHandler } from "../../infra/bundle";
import { deliveryHandlerEntry } from "../../infra/engines/kdaSql";
import { sessionizerHandlerEntry } from "../../infra/engines/lambda";

const root = path.join(__dirname, "..", "..");
const nodeModules = fs.realpathSync(path.join(root, "node_modules"));

interface LockEntry {
  readonly version?: string;
  readonly dev?: boolean;
}
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * The package-lock key (`node_modules/a/node_modules/@s/b`) of the package a file belongs to, or
 * undefined for a file of this repository.
 */
function lockKeyOf(file: string): string | undefined {
  const relative = path.relative(nodeModules, fs.realpathSync(file));
  if (relative.startsWith("..")) return undefined;
  const parts = relative.split(path.sep);
  const key: string[] = [];
  for (let i = 0; i < parts.length;) {
    const scoped = parts[i]?.startsWith("@") ?? false;
    key.push("node_modules", ...parts.slice(i, i + (scoped ? 2 : 1)));
    i += scoped ? 2 : 1;
    if (parts[i] !== "node_modules") break;
    i += 1;
  }
  return key.join("/");
}

/** Files a fresh Node.js process loads for `script` (run with tsx, as the tests run TypeScript). */
async function modulesLoadedBy(script: string): Promise<string[]> {
  const print = `process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--require", "tsx/cjs", "-e", `${script}.then(() => ${print})`],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as string[];
}

const devOnly = (keys: Iterable<string>): string[] =>
  [...new Set(keys)].filter((k) => lock.packages[k]?.dev === true).sort();

describe("what a deploy loads, after npm ci --omit=dev", () => {
  it("keeps the compiler Pulumi runs the program with, and esbuild, in dependencies at exact versions", () => {
    for (const name of ["esbuild", "ts-node", "typescript"]) {
      expect(manifest.dependencies[name], name).to.match(/^\d+\.\d+\.\d+$/);
      expect(manifest.devDependencies, name).to.not.have.property(name);
      expect(lock.packages[`node_modules/${name}`]?.version, name).to.equal(
        manifest.dependencies[name],
      );
    }
    expect(
      devOnly(["node_modules/esbuild", "node_modules/ts-node", "node_modules/typescript"]),
    ).to.deep.equal([]);
  });

  it("loads no package that only devDependencies bring, when it plans both stacks", async () => {
    // What the program loads, less what tsx (the tests' runner, which Pulumi does not use) loads;
    // esbuild, which tsx loads too, is held to dependencies by the test above.
    const runner = await modulesLoadedBy("Promise.resolve()");
    const program = await modulesLoadedBy(
      `(async () => { const { computePlan } = require("./infra/plan/computePlan"); ` +
        `await computePlan("dev"); await computePlan("lab"); })()`,
    );
    const loaded = program.filter((f) => !runner.includes(f) && !f.endsWith(".node"));
    const packages = loaded.map(lockKeyOf).filter((k): k is string => k !== undefined);
    expect(packages).to.include("node_modules/@pulumi/aws");
    expect(packages).to.include("node_modules/yaml");
    expect(devOnly(packages)).to.deep.equal([]);
  });

  it("bundles no file of a package that only devDependencies bring", () => {
    const packages: string[] = [];
    for (const entry of [deliveryHandlerEntry, sessionizerHandlerEntry]) {
      const { sources } = JSON.parse(buildHandler(entry).sourceMap) as { sources: string[] };
      for (const source of sources) {
        const key = lockKeyOf(path.resolve(root, source));
        if (key !== undefined) packages.push(key);
      }
    }
    expect(packages).to.include("node_modules/@aws-sdk/lib-dynamodb");
    expect(devOnly(packages)).to.deep.equal([]);
  });
});
