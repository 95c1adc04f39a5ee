/**
 * Root hook of `npm run test:flink` (loaded by .mocharc.flink.json): before any test, checks that
 * Java and Maven are there and builds flink-runner once; when a tool is missing it prints one line
 * naming it and exits 1, instead of a failure per test.
 */
import { ensureRunnerBuilt, ToolchainMissingError } from "../../harness/flink";

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(15 * 60 * 1000);
    try {
      ensureRunnerBuilt();
    } catch (error) {
      if (!(error instanceof ToolchainMissingError)) throw error;
      console.error(`npm run test:flink: ${error.message}`);
      process.exit(1);
    }
  },
};
