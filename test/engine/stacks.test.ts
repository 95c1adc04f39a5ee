/**
 * Each committed stack on the real Pulumi engine, as a user runs it: `pulumi preview --diff` and
 * `pulumi up` with the policy pack and the stack's policy config, then `pulumi preview
 * --expect-no-changes`. Stack lab's engine (kda-sql) is previewed, and its `up` is refused before
 * anything is created. What the mocks could not show: the program loads and runs in the engine, the
 * policy pack passes in preview (where ARNs are unknown) and in up, a second run plans nothing, and
 * no output is exported undefined.
 */
import { expect } from "chai";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  type EngineBackend,
  engineBackend,
  failureOf,
  opsCollector,
  policyConfig,
  policyPack,
  stackFile,
} from "./engineStack";

/** The outputs each engine's stack exports, and no other. */
const outputsByStack: Record<string, string[]> = {
  dev: [
    "alarmTopicArn",
    "consoleLinks",
    "deadLetterTableName",
    "engine",
    "failedBatchesQueueUrl",
    "functionName",
    "putRecordCommand",
    "region",
    "sessionsTableName",
    "simulatorCommand",
    "stateTableName",
    "streamArn",
    "streamName",
  ],
  scale: [
    "alarmTopicArn",
    "applicationName",
    "consoleLinks",
    "deadLetterTableName",
    "engine",
    "jobCodeBucketName",
    "putRecordCommand",
    "region",
    "sessionsTableName",
    "simulatorCommand",
    "streamArn",
    "streamName",
  ],
};

describe("the committed stacks on the real Pulumi engine", function () {
  let backend: EngineBackend;
  before(async () => {
    backend = await engineBackend();
  });
  after(() => backend?.close());

  for (const name of ["dev", "scale"]) {
    describe(`stack ${name}`, () => {
      let stack: Stack;
      const policies = { policyPacks: [policyPack], policyPackConfigs: [policyConfig(name)] };

      it("previews every resource as a create, the policy pack passing", async () => {
        stack = await backend.stack(name, stackFile(name));
        const { ops, onEvent } = opsCollector();
        let output = "";
        const preview = await stack.preview({
          diff: true,
          onEvent,
          onOutput: (text) => (output += text),
          ...policies,
        });
        expect(preview.changeSummary["create"], output).to.be.greaterThan(20);
        expect(new Set([...ops.values()])).to.deep.equal(new Set(["create"]));
        // The preview cannot know the ARNs of resources still to be created: the pack says so.
        expect(output).to.include("iam-resources-known-at-up");
        expect(output).to.not.match(/mandatory|Undefined value|error:/);
      });

      it("deploys with pulumi up, the policy pack passing, exporting only the outputs it has", async () => {
        let output = "";
        const up = await stack.up({ onOutput: (text) => (output += text), ...policies });
        expect(up.summary.result, output).to.equal("succeeded");
        expect(Object.keys(up.outputs).sort()).to.deep.equal(outputsByStack[name]);
        expect(output).to.not.match(/Undefined value|warning:|mandatory|advisory/);
      });

      it("plans no change on a second run (pulumi preview --expect-no-changes)", async () => {
        const preview = await stack.preview({ expectNoChanges: true, ...policies });
        expect(Object.keys(preview.changeSummary)).to.deep.equal(["same"]);
      });
    });
  }

  describe("stack lab (engine kda-sql)", () => {
    let stack: Stack;

    it("previews the lab's wiring, the policy pack passing with the lab's relaxations", async () => {
      stack = await backend.stack("lab", stackFile("lab"));
      const { ops, onEvent } = opsCollector();
      let output = "";
      await stack.preview({
        onEvent,
        onOutput: (text) => (output += text),
        policyPacks: [policyPack],
        policyPackConfigs: [policyConfig("lab")],
      });
      expect(
        ops.get("aws:kinesis/analyticsApplication:AnalyticsApplication::sessionizer-application"),
      ).to.equal("create");
      expect(output).to.not.match(/mandatory|error:/);
    });

    it("refuses pulumi up before it creates anything, saying why", async () => {
      expect(await failureOf(() => stack.up())).to.match(/EngineNotDeployableError/);
      const resources = (await stack.exportStack()).deployment?.resources ?? [];
      expect(
        resources.filter((r: { type: string }) => r.type.startsWith("aws:")),
        "AWS resources in the state",
      ).to.deep.equal([]);
    });
  });
});
