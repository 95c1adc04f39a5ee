/**
 * Stack scale through the Node language host's loading path (test/support/languageHost.ts), as
 * test/infra/programLoad.test.ts does for the other stacks: here, because engine flink builds
 * flink-runner's JAR with Maven when the program runs against an engine.
 */
import * as path from "path";
import { expect } from "chai";
import { runAsLanguageHost } from "../support/languageHost";

describe("stack scale as the Pulumi CLI's language host starts it", () => {
  it("loads, builds the job's JAR and registers the Flink application in a preview", async () => {
    const run = await runAsLanguageHost(path.join(__dirname, "..", ".."), "scale", true);
    const errors = run.logs.filter((log) => log.severity >= 3).map((log) => log.message);
    expect(errors, run.stderr).to.deep.equal([]);
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(0);
    expect(run.resources.map((r) => r.type)).to.include.members([
      "aws:kinesisanalyticsv2/application:Application",
      "aws:s3/bucketObjectv2:BucketObjectv2",
    ]);
  });
});
