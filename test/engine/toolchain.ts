/**
 * Root hook of `npm run test:engine` (loaded by .mocharc.engine.json): before any test, gets the
 * real Pulumi CLI (built by scripts/pulumi-cli.sh from the Go module proxy, or found in its cache)
 * and checks Java 17 and Maven, which engine flink's JAR needs when the program runs against the
 * engine. A missing tool is one line naming it and exit 1, not a failure per test.
 */
import { requireFlinkToolchain } from "../flink/toolchain";
import { pulumiCli } from "./engineStack";

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    // A cold CLI build takes about 10 CPU-minutes.
    this.timeout(30 * 60 * 1000);
    requireFlinkToolchain("npm run test:engine");
    try {
      await pulumiCli();
    } catch (error) {
      console.error(
        `npm run test:engine: no Pulumi CLI: scripts/pulumi-cli.sh could not build it (it needs Go ` +
          `1.21 or later and the Go module proxy): ${error instanceof Error ? error.message : String(error)}`,
      );
      process.exit(1);
    }
  },
};
