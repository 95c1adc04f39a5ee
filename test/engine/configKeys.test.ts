/**
 * For every config key of Pulumi.yaml, a change of a deployed stack: the real engine's plan (what
 * `pulumi preview` would create, update, replace or delete, resource by resource) must equal what
 * `npm run plan -- --diff` says for the same change. The stand-in provider answers replace-or-update
 * from infra/plan/replacements.ts, the table the plan diff reads; the engine adds what only it
 * decides (dependencies on unknown values, ignoreChanges, aliases, providers), so a difference means
 * the plan would mislead a reviewer.
 */
import { expect } from "chai";
import type { Stack, StackSettings } from "@pulumi/pulumi/automation";
import { configKeys } from "../../infra/config";
import type { PlanDiff } from "../../infra/plan/diff";
import {
  changedOps,
  type EngineBackend,
  engineBackend,
  opsCollector,
  planDiffTo,
  planOps,
  projectFile,
  resourceKeyOfUrn,
  stackFile,
  withConfig,
} from "./engineStack";

/** A change of one key on one stack: a value that stack accepts and that differs from its own. */
interface KeyChange {
  readonly key: string;
  readonly stack: "dev" | "scale";
  readonly value: unknown;
}

/**
 * One change per key. Engine lambda's keys change the dev stack, engine flink's the scale stack
 * (and the keys both have, each once); the values are valid, so the change is planned, not refused.
 */
const keyChanges: readonly KeyChange[] = [
  { key: "aws:region", stack: "dev", value: "eu-west-1" },
  { key: "engine", stack: "dev", value: "flink" },
  { key: "sqlApplication", stack: "dev", value: "lab" },
  { key: "namePrefix", stack: "dev", value: "clickstream-sessionizer-dev2" },
  { key: "streamName", stack: "dev", value: "clicks" },
  { key: "applicationName", stack: "scale", value: "sessions-on-flink" },
  { key: "functionName", stack: "dev", value: "sessionizer" },
  { key: "sessionsTableName", stack: "dev", value: "sessions" },
  { key: "deadLetterTableName", stack: "dev", value: "dead-letters" },
  { key: "stateTableName", stack: "dev", value: "window-state" },
  { key: "streamMode", stack: "dev", value: "on-demand" },
  { key: "shardCount", stack: "dev", value: 2 },
  { key: "retentionHours", stack: "dev", value: 48 },
  { key: "redriveWindowHours", stack: "dev", value: 4 },
  {
    key: "streamKmsKey",
    stack: "dev",
    value: "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  },
  { key: "shardLevelMetrics", stack: "dev", value: ["IncomingBytes"] },
  { key: "startingPosition", stack: "dev", value: "TRIM_HORIZON" },
  { key: "startApplication", stack: "scale", value: false },
  { key: "functionMemoryMb", stack: "dev", value: 512 },
  { key: "functionTimeoutSeconds", stack: "dev", value: 120 },
  { key: "batchSize", stack: "dev", value: 200 },
  { key: "maximumBatchingWindowSeconds", stack: "dev", value: 5 },
  { key: "bisectBatchOnFunctionError", stack: "dev", value: false },
  { key: "maximumRecordAgeSeconds", stack: "dev", value: 3600 },
  { key: "maximumRetryAttempts", stack: "dev", value: 100 },
  { key: "flinkRuntime", stack: "scale", value: "FLINK-1_20" },
  { key: "flinkParallelism", stack: "scale", value: 8 },
  { key: "flinkParallelismPerKpu", stack: "scale", value: 4 },
  { key: "flinkAutoScaling", stack: "scale", value: false },
  { key: "flinkCheckpointIntervalMs", stack: "scale", value: 30000 },
  { key: "flinkSnapshots", stack: "scale", value: false },
  { key: "logRetentionDays", stack: "dev", value: 30 },
  { key: "deletionProtection", stack: "dev", value: false },
  { key: "alarmTopic", stack: "dev", value: "ops@example.com" },
  { key: "alarmFunctionErrors", stack: "dev", value: 5 },
  { key: "alarmFunctionThrottles", stack: "dev", value: 5 },
  { key: "alarmIteratorAgeMs", stack: "dev", value: 120000 },
  { key: "alarmMillisBehindLatestMs", stack: "scale", value: 120000 },
  { key: "alarmTableThrottles", stack: "dev", value: 5 },
  { key: "alarmFailedBatches", stack: "dev", value: 3 },
  { key: "alarmDeadLetters", stack: "dev", value: 5 },
  { key: "tags", stack: "dev", value: { environment: "dev", owner: "data-team" } },
];

/**
 * The resources (`<type>::<name>`) a failed preview names as protected from replacement
 * ("unable to replace resource") or deletion ("cannot be deleted"), sorted.
 */
function refusedByProtection(message: string): string[] {
  const found = new Set<string>();
  for (const match of message.matchAll(
    /unable to replace resource "(urn:pulumi:[^"]+)"|resource "(urn:pulumi:[^"]+)" cannot be deleted/g,
  ))
    found.add(resourceKeyOfUrn((match[1] ?? match[2])!));
  return [...found].sort();
}

/** The resources the plan diff warns about as protected (`protect`) and replaced or deleted. */
const protectedInPlan = (diff: PlanDiff): string[] =>
  diff.warnings
    .filter((w) => w.protection === "protect")
    .map((w) => `${w.type}::${w.name}`)
    .sort();

/**
 * Keys that only bound other keys, so a valid change of them alone changes no resource:
 * redriveWindowHours bounds maximumRecordAgeSeconds (infra/config.ts).
 */
const validationOnly = ["redriveWindowHours"];

/** The ops as sorted `<op> <type>::<name>` lines: a failure shows the two plans side by side. */
const lines = (ops: ReadonlyMap<string, string>): string[] =>
  [...ops].map(([key, op]) => `${op} ${key}`).sort();

describe("a change of each config key: the real engine's plan and npm run plan -- --diff", function () {
  let backend: EngineBackend;
  const deployed = new Map<string, Stack>();

  before(async function () {
    backend = await engineBackend();
    for (const stack of ["dev", "scale"]) {
      const deployedStack = await backend.stack(stack, stackFile(stack));
      await deployedStack.up();
      deployed.set(stack, deployedStack);
    }
  });

  after(() => backend?.close());

  it("changes every key Pulumi.yaml declares, each once", () => {
    const declared = Object.keys(projectFile().config ?? {}).sort();
    expect(keyChanges.map((c) => c.key).sort()).to.deep.equal(declared);
    expect(declared.filter((key) => key !== "aws:region")).to.deep.equal([...configKeys].sort());
  });

  for (const change of keyChanges) {
    it(`plans a change of ${change.key} on stack ${change.stack} as the engine does`, async () => {
      const stack = deployed.get(change.stack)!;
      // The plan reads the committed file; the engine's copy also holds its encryption salt.
      const settings: StackSettings = withConfig(stackFile(change.stack), change.key, change.value);
      const current = await stack.workspace.stackSettings(change.stack);
      let planned: PlanDiff | Error;
      try {
        planned = await planDiffTo(change.stack, settings);
      } catch (error) {
        planned = error as Error;
      }
      await stack.workspace.saveStackSettings(change.stack, {
        ...current,
        config: settings.config,
      });
      try {
        const { ops, onEvent } = opsCollector();
        let previewed: string[] | Error;
        try {
          await stack.preview({ onEvent });
          previewed = lines(changedOps(ops));
        } catch (error) {
          previewed = error as Error;
        }
        if (planned instanceof Error) {
          // A value the program refuses is refused by both, with the same message.
          expect(previewed, "the engine refuses it too").to.be.instanceOf(Error);
          expect((previewed as Error).message).to.include(planned.message.split("\n")[0]);
        } else if (previewed instanceof Error) {
          // The engine stops at protected resources it would replace or delete: exactly those the
          // plan warns about as protected.
          const refused = refusedByProtection(previewed.message);
          expect(refused, previewed.message).to.not.deep.equal([]);
          expect(refused).to.deep.equal(protectedInPlan(planned));
        } else {
          expect(previewed).to.deep.equal(lines(planOps(planned)));
          if (previewed.length === 0 && !validationOnly.includes(change.key)) {
            // Only a change the program tells Pulumi to ignore may change nothing.
            expect(planned.ignored, "the plan says which change is ignored").to.not.deep.equal([]);
          }
        }
      } finally {
        await stack.workspace.saveStackSettings(change.stack, current);
      }
    });
  }
});
