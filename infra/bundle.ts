/**
 * Bundles a Lambda handler with esbuild when the Pulumi program runs, so `pulumi up` needs no
 * separate build step and always deploys the source it was given. esbuild is therefore a runtime
 * dependency of the program, pinned to one exact version: another version may emit other bytes, and
 * the function would show a code change that is none.
 */
import * as esbuild from "esbuild";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** One handler, bundled: the minified code and its source map. */
export interface HandlerBundle {
  /** `index.js`, ending in a comment that points Node.js at `index.js.map`. */
  readonly code: string;
  /** `index.js.map`: file names relative to the repository root, without the sources' text. */
  readonly sourceMap: string;
}

/** File names of the deployment package: Lambda's handler is `index.handler`. */
export const bundleFileNames = { code: "index.js", sourceMap: "index.js.map" } as const;

const bundles = new Map<string, HandlerBundle>();

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
 * everything it imports into one minified CommonJS file for the Node.js 22 Lambda runtime, with a
 * source map. Minified, the sessionizer's bundle shrinks from about 4.9 MB to 2.8 MB, which loads
 * faster at a cold start; the map turns its stack traces back into TypeScript lines
 * (`--enable-source-maps`, set on every function). Names are kept (`keepNames`), so error and class
 * names read as in the source.
 *
 * The AWS SDK is bundled too rather than taken from the runtime, so the deployed code runs the
 * versions the tests ran. File names inside the bundle and its map are relative to the repository
 * root and the map holds no source text, so the same source gives byte-identical files in any
 * checkout (the plan diff relies on that).
 */
export function buildHandler(entry: string): HandlerBundle {
  // Pulumi runs the program once per process; the plan tool and the tests run it several times in
  // one process, over sources that do not change meanwhile, so one bundle per entry is enough.
  const cached = bundles.get(entry);
  if (cached !== undefined) return cached;
  const result = esbuild.buildSync({
    absWorkingDir: repositoryRoot,
    entryPoints: [entry],
    outfile: bundleFileNames.code,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    keepNames: true,
    sourcemap: "linked",
    sourcesContent: false,
    write: false,
    legalComments: "none",
    logLevel: "silent",
    external: [...bundleExternals],
  });
  const file = (name: string): string => {
    const output = result.outputFiles.find((f) => path.basename(f.path) === name);
    if (output === undefined) throw new Error(`esbuild produced no ${name} for ${entry}`);
    return output.text;
  };
  const bundle = { code: file(bundleFileNames.code), sourceMap: file(bundleFileNames.sourceMap) };
  bundles.set(entry, bundle);
  return bundle;
}

/** The bundled code of `entry` alone, for tests that load it. */
export function bundleHandler(entry: string): string {
  return buildHandler(entry).code;
}

/** The deployment package's files for `entry`: `index.js` and `index.js.map`. */
export function handlerFiles(entry: string): Record<string, pulumi.asset.Asset> {
  const { code, sourceMap } = buildHandler(entry);
  return {
    [bundleFileNames.code]: new pulumi.asset.StringAsset(code),
    [bundleFileNames.sourceMap]: new pulumi.asset.StringAsset(sourceMap),
  };
}
