/**
 * What the engine enforces and the mocks only record: `protect` on the resources that hold data
 * (deletionProtection, on by default) and `ignoreChanges` on the event source mapping's starting
 * position. On the dev stack, deployed on the real engine.
 */
import { expect } from "chai";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  type EngineBackend,
  engineBackend,
  failureOf,
  opsCollector,
  planDiffTo,
  stackFile,
  withConfig,
} from "./engineStack";

const sessionsTable = "aws:dynamodb/table:Table::sessionizer-sessions";
const eventSource = "aws:lambda/eventSourceMapping:EventSourceMapping::sessionizer-event-source";

/** The physical name of each resource of the stack's state, by `<type>::<name>`. */
async function deployedNames(stack: Stack): Promise<Map<string, unknown>> {
  const resources: { urn: string; type: string; outputs?: Record<string, unknown> }[] =
    (await stack.exportStack()).deployment?.resources ?? [];
  return new Map(
    resources.map((r) => [
      `${r.type}::${r.urn.slice(r.urn.lastIndexOf("::") + 2)}`,
      r.outputs?.["name"],
    ]),
  );
}

describe("protect and ignoreChanges on the real Pulumi engine (stack dev)", function () {
  let backend: EngineBackend;
  let stack: Stack;

  before(async () => {
    backend = await engineBackend();
    stack = await backend.stack("dev", stackFile("dev"));
    await stack.up();
  });
  after(() => backend?.close());

  /** Runs `action` with the stack's config key set to `value`, then puts the config back. */
  async function withChange<T>(key: string, value: unknown, action: () => Promise<T>): Promise<T> {
    const current = await stack.workspace.stackSettings("dev");
    const changed = withConfig(stackFile("dev"), key, value);
    await stack.workspace.saveStackSettings("dev", { ...current, config: changed.config });
    try {
      return await action();
    } finally {
      await stack.workspace.saveStackSettings("dev", current);
    }
  }

  it("stops pulumi up before it replaces the protected sessions table, and keeps the table", async () => {
    const before = await deployedNames(stack);
    const failure = await withChange("sessionsTableName", "renamed-sessions", () =>
      failureOf(() => stack.up()),
    );
    expect(failure).to.match(/unable to replace resource "urn:[^"]+::sessionizer-sessions"/);
    expect((await deployedNames(stack)).get(sessionsTable)).to.equal(before.get(sessionsTable));
    expect(before.get(sessionsTable)).to.equal("clickstream-sessionizer-dev-sessions");
  });

  it("keeps the event source mapping's starting position (ignoreChanges), as the plan says", async () => {
    const diff = await planDiffTo(
      "dev",
      withConfig(stackFile("dev"), "startingPosition", "TRIM_HORIZON"),
    );
    expect(diff.ignored.map((i) => `${i.type}::${i.name}`)).to.deep.equal([eventSource]);
    const { ops, onEvent } = opsCollector();
    await withChange("startingPosition", "TRIM_HORIZON", () => stack.up({ onEvent }));
    expect(ops.get(eventSource)).to.equal("same");
    const state = (await stack.exportStack()).deployment?.resources ?? [];
    const mapping = state.find((r: { urn: string }) =>
      r.urn.endsWith("::sessionizer-event-source"),
    );
    expect(mapping?.inputs?.startingPosition).to.equal("LATEST");
  });

  // Last: a refused destroy still deletes what is not protected.
  it("refuses pulumi destroy of the protected stream and shared tables", async () => {
    expect(await failureOf(() => stack.destroy())).to.match(/protected/);
    const left = await deployedNames(stack);
    for (const key of [
      "aws:kinesis/stream:Stream::sessionizer-stream",
      sessionsTable,
      "aws:dynamodb/table:Table::sessionizer-dead-letters",
    ])
      expect(left.has(key), key).to.equal(true);
  });
});
