// Builds the command-line tools to plain JavaScript in dist/ (gitignored), one esbuild bundle per
// command, so a command starts in a few tens of milliseconds instead of paying about a second of
// TypeScript compilation by tsx. `npm ci` runs it (the `prepare` script), and bin/sessionizer.js
// runs it when a source the bundles were made from changed (scripts/buildState.cjs).
// Plain JavaScript on purpose: it must run before anything is compiled.
//
//   node scripts/build.mjs             build dist/
//   node scripts/build.mjs --if-stale  build only if dist/ is missing or older than a source
import * as fs from "fs";
import * as path from "path";
import buildState from "./buildState.cjs";

const { root, dist, inputsFile, distIsStale } = buildState;

/** dist/<name>.js from these sources: the commands and the bench peers the bench starts. */
const entryPoints = {
  start: "harness/cli/start.ts",
  replay: "harness/cli/replay.ts",
  report: "harness/cli/report.ts",
  simulate: "harness/cli/simulate.ts",
  translate: "harness/cli/translate.ts",
  redrive: "harness/cli/redrive.ts",
  bench: "harness/cli/bench.ts",
  "bench-peer-duckdb": "harness/bench/peers/duckdb.ts",
  "bench-peer-duckdbFaithful": "harness/bench/peers/duckdbFaithful.ts",
  "bench-peer-handwritten": "harness/bench/peers/handwritten.ts",
  "bench-peer-naiveAlasql": "harness/bench/peers/naiveAlasql.ts",
  "bench-peer-lambdaEngine": "harness/bench/peers/lambdaEngine.ts",
  "bench-peer-delivery": "harness/bench/peers/delivery.ts",
  "bench-peer-flink": "harness/bench/peers/flink.ts",
};

/**
 * Loaded by path at run time by the kda-sql engine (harness/local/deliveryHandler.ts), the way the
 * Lambda runtime loads it, so bundled apart, as infra bundles it for Lambda (no rewriting).
 */
const handlerEntryPoints = { "handlers/deliver-sessions": "handlers/deliver-sessions.ts" };

const entrySources = new Set(Object.values(entryPoints));
const mainModuleCheck = "require.main === module";

/**
 * Packages left to node_modules: native addons and packages that load files of their own by path
 * (esbuild cannot inline those), the Pulumi SDK, which the commands only reach through infra, and
 * the AWS SDK: a replay of a file never loads it (it is required only when a stream is read), and
 * inlined it would be parsed at every start (it was two thirds of replay's bundle and its start-up).
 */
const external = [
  "@aws-sdk/*",
  "@smithy/*",
  "@aws-lambda-powertools/*",
  "@duckdb/*",
  "kinesalite",
  "dynalite",
  "leveldown",
  "@pulumi/*",
  "playwright-core",
  "esbuild",
  // Read as files by the report (harness/report/renderReport.ts embeds their UMD builds).
  "@observablehq/plot",
  "d3",
  "alasql",
  "typescript",
  "ts-node",
];

/**
 * Modules whose `__dirname` must name compiled code: the delivery handler's loader requires the
 * handler by a path next to itself, and the compiled handler is dist/handlers/deliver-sessions.js.
 */
const compiledDirname = new Set(["harness/local/deliveryHandler.ts"]);

/**
 * In a bundle every module's `__dirname` would be dist/, but the sources read files next to
 * themselves (sql/*.sql, harness/report/reportPage.js, flink-runner/). This rewrites `__dirname`
 * in each source to its directory in the package, computed from the bundle's own place in dist/,
 * so a built package still finds them wherever it is installed.
 */
const sourceDirname = {
  name: "source-dirname",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const relative = path.relative(root, args.path).split(path.sep).join("/");
      if (relative.startsWith("..") || relative.startsWith("node_modules/")) return undefined;
      let contents = await fs.promises.readFile(args.path, "utf8");
      // A command runs its main when its module is the process's main one. Its bundle is that
      // module when run directly, but not when bin/sessionizer.js requires it, so in the command's
      // own source (an entry point) the check is made true.
      if (entrySources.has(relative)) contents = contents.replace(mainModuleCheck, "true");
      if (!contents.includes("__dirname")) return { contents, loader: "ts" };
      // Every bundle that reaches such a module is a file directly in dist/.
      const base = compiledDirname.has(relative) ? dist : root;
      const directory = path.relative(dist, path.join(base, path.posix.dirname(relative)));
      const expression = `require("path").join(__dirname, ${JSON.stringify(directory.split(path.sep).join("/"))})`;
      return { contents: contents.replace(/\b__dirname\b/g, expression), loader: "ts" };
    });
  },
};

async function build() {
  // Imported here: the staleness check alone should not pay for loading esbuild.
  const esbuild = await import("esbuild");
  // Written over in place, inputs.json last, so a command started meanwhile finds whole files
  // and an interrupted build is seen as stale.
  fs.rmSync(inputsFile, { force: true });
  const options = {
    absWorkingDir: root,
    outdir: dist,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external,
    sourcemap: "linked",
    metafile: true,
    logLevel: "warning",
  };
  const entries = (points) =>
    Object.fromEntries(
      Object.entries(points).map(([name, source]) => [name, path.join(root, source)]),
    );
  const results = await Promise.all([
    esbuild.build({ ...options, entryPoints: entries(entryPoints), plugins: [sourceDirname] }),
    esbuild.build({ ...options, entryPoints: entries(handlerEntryPoints) }),
  ]);
  const inputs = new Set(results.flatMap((result) => Object.keys(result.metafile.inputs)));
  fs.writeFileSync(inputsFile, JSON.stringify([...inputs]));
}

if (!process.argv.includes("--if-stale") || distIsStale()) await build();
