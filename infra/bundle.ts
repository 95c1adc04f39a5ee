/**
 * Bundles a Lambda handler with esbuild when the Pulumi program runs, so `pulumi up` needs no
 * separate build step and always deploys the source it was given.
 */
import * as esbuild from "esbuild";
import * as path from "path";

const bundles = new Map<string, string>();

/** The repository root: bundles resolve and name files relative to it. */
export const repositoryRoot = path.resolve(__dirname, "..");

/**
 * Modules left out of every bundle: alasql (the harness's scalar SQL, in the sessionizer) requires
 * them only when it runs inside React Native, each inside a try/catch, so on Node they are never
 * loaded; esbuild cannot bundle them (they are not installed, and not plain JavaScript).
 */
export const bundleExternals = [
  "react-native",
  "react-native-fs",
  "react-native-fetch-blob",
] as const;

/**
 * Bundles `entry` (a path relative to the repository root, e.g. `handlers/deliver-sessions.ts`) and
 * everything it imports into one CommonJS file for the Node.js 22 Lambda runtime; returns its text.
 *
 * The AWS SDK is bundled too rather than taken from the runtime, so the deployed code runs the
 * versions the tests ran. File names inside the bundle are relative to the repository root, so the
 * same source gives byte-identical bundles in any checkout (the plan diff relies on that).
 */
export function bundleHandler(entry: string): string {
  // Pulumi runs the program once per process; the plan tool and the tests run it several times in
  // one process, over sources that do not change meanwhile, so one bundle per entry is enough.
  const cached = bundles.get(entry);
  if (cached !== undefined) return cached;
  const result = esbuild.buildSync({
    absWorkingDir: repositoryRoot,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    write: false,
    legalComments: "none",
    logLevel: "silent",
    external: [...bundleExternals],
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild produced no output for ${entry}`);
  bundles.set(entry, output.text);
  return output.text;
}
