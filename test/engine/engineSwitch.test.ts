/**
 * A deployed stack switched from engine `lambda` to engine `flink` on the real engine, in one `pulumi
 * up`: the stream and the sessions and dead-letter tables stay (same resources, never replaced or
 * deleted); the sessionizer's function, mapping and queue go, and its state table leaves the stack
 * but stays in the account (retainOnDelete, not protect: docs/engines.md, "Switching"); the Flink
 * application and its code bucket come. Each step is what `npm run plan -- --diff` says.
 */
import { expect } from "chai";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  changedOps,
  type EngineBackend,
  engineBackend,
  opsCollector,
  planDiffTo,
  planOps,
  stackFile,
  withConfig,
} from "./engineStack";

const kept = [
  "aws:kinesis/stream:Stream::sessionizer-stream",
  "aws:dynamodb/table:Table::sessionizer-sessions",
  "aws:dynamodb/table:Table::sessionizer-dead-letters",
];
const stateTable = "aws:dynamodb/table:Table::sessionizer-state";

describe("switching stack dev from engine lambda to engine flink on the real Pulumi engine", function () {
  let backend: EngineBackend;
  let stack: Stack;
  const flink = withConfig(stackFile("dev"), "engine", "flink");

  before(async () => {
    backend = await engineBackend();
    stack = await backend.stack("dev", stackFile("dev"));
    await stack.up();
    const current = await stack.workspace.stackSettings("dev");
    await stack.workspace.saveStackSettings("dev", { ...current, config: flink.config });
  });
  after(() => backend?.close());

  it("switches in one pulumi up, keeping the stream and both tables, as the plan says", async () => {
    const diff = await planDiffTo("dev", flink);
    // The plan says the state table leaves the stack and stays in the account.
    const state = diff.warnings.find((w) => `${w.type}::${w.name}` === stateTable);
    expect(state?.protection).to.equal("retainOnDelete");

    const { ops, onEvent } = opsCollector();
    await stack.up({ onEvent });
    for (const key of kept) expect(ops.get(key), key).to.be.oneOf(["same", "update"]);
    const changed = changedOps(ops);
    expect(changed.get(stateTable)).to.equal("delete");
    expect(
      changed.get("aws:kinesisanalyticsv2/application:Application::sessionizer-application"),
    ).to.equal("create");
    expect(changed.get("aws:lambda/function:Function::sessionizer-function")).to.equal("delete");
    expect([...changed].sort()).to.deep.equal([...planOps(diff)].sort());

    // Out of the stack's state; the account keeps it (the stand-in deletes nothing it retains).
    const resources = (await stack.exportStack()).deployment?.resources ?? [];
    expect(resources.some((r: { urn: string }) => r.urn.endsWith("::sessionizer-state"))).to.equal(
      false,
    );
    const again = await stack.preview({ expectNoChanges: true });
    expect(Object.keys(again.changeSummary)).to.deep.equal(["same"]);
  });
});
