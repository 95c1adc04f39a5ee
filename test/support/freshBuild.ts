/**
 * Mocha's root hook: builds the compiled commands (dist/) once before any test when a source is
 * newer, as `bin/sessionizer.js` would on its first run (`scripts/build.mjs --if-stale`, as the
 * bench runs it). Tests that run the npm scripts then see only the command's own output on stderr,
 * not the build's notice, and no two of them rebuild at once.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

export const mochaHooks = {
  beforeAll(): void {
    const build = spawnSync(
      process.execPath,
      [path.join(root, "scripts", "build.mjs"), "--if-stale"],
      { cwd: root, encoding: "utf8" },
    );
    if (build.status !== 0) throw new Error(`scripts/build.mjs failed:\n${build.stderr}`);
  },
};
