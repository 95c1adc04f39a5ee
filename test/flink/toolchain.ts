/**
 * Root hook of `npm run test:flink` (loaded by .mocharc.flink.json): before any test, checks that
 * Java and Maven are there and builds flink-runner once; when a tool is missing it prints one line
 * naming it and exits 1, instead of a failure per test.
 */
import { ensureRunnerBuilt, ToolchainMissingError } from "../../harness/flink";

/**
 * Builds flink-runner once (Java 17 and Maven); when a tool is missing, prints one line naming it
 * for `command` (`npm run test:flink`) and exits 1.
 */
export function requireFlinkToolchain(command: string): void {
  try {
    ensureRunnerBuilt();
  } catch (error) {
    if (!(error instanceof ToolchainMissingError)) throw error;
    console.error(`${command}: ${error.message}`);
    process.exit(1);
  }
}

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(15 * 60 * 1000);
    requireFlinkToolchain("npm run test:flink");
  },
};
