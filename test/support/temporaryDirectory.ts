/**
 * Mocha's root hooks (loaded by `.mocharc.json` and `.mocharc.browser.json` before any test file):
 * every temporary folder a test makes, in this process or in a child it starts, goes under one
 * directory for the run, removed when the run ends, so `npm test` leaves nothing in /tmp even when
 * a test fails before its own cleanup. `os.tmpdir()` reads TMPDIR on every call, and children
 * inherit it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const runDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "clickstream-sessionizer-test-"));
process.env.TMPDIR = runDirectory;
// The SDK's warning about this machine's Node version is not about the code under test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

function removeRunDirectory(): void {
  fs.rmSync(runDirectory, { recursive: true, force: true });
}

// Also when mocha exits without running the hooks (a failed `before` in a bail, a crash).
process.once("exit", removeRunDirectory);

export const mochaHooks = {
  afterAll(): void {
    removeRunDirectory();
  },
};
