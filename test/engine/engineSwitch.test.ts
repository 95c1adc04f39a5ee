/**
 * A deployed stack switched from engine `lambda` to engine `flink` on the real engine: the stream and
 * the sessions and dead-letter tables stay (same resources, never replaced or deleted); the
 * sessionizer's function, mapping, queue and state table go, the Flink application and its code
 * bucket come. The state table is protected, so the switch first stops there, and goes through once
 * that one table is unprotected (docs/engines.md, "Switching").
 */
import { execFileSync } from "child_process";
import { expect } from "chai";
import type { Stack } from "@pulumi/pulumi/automation";
import {
  changedOps,
  type EngineBackend,
  engineBackend,
  opsCollector,
  planDiffTo,
  planOps,
  pulumiCli,
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

  it("stops at the protected state table, the one protected resource the switch deletes", async () => {
    let failure: unknown;
    try {
      await stack.preview();
    } catch (error) {
      failure = error;
    }
    const refused = [
      ...String(failure).matchAll(/resource "(urn:pulumi:[^"]+)" cannot be deleted/g),
    ];
    expect(new Set(refused.map((m) => m[1]!.slice(m[1]!.lastIndexOf("::") + 2)))).to.deep.equal(
      new Set(["sessionizer-state"]),
    );
  });

  it("keeps the stream and both tables, and does what the plan says, once the state table is unprotected", async () => {
    const state = (await stack.exportStack()).deployment?.resources ?? [];
    const urn = state.find((r: { urn: string }) => r.urn.endsWith("::sessionizer-state"))?.urn;
    // As a user does it: `pulumi state unprotect <urn>`.
    execFileSync(
      (await pulumiCli()).command,
      ["state", "unprotect", urn, "--yes", "--stack", "dev"],
      {
        cwd: stack.workspace.workDir,
        env: { ...process.env, ...stack.workspace.envVars },
        stdio: "pipe",
      },
    );

    const { ops, onEvent } = opsCollector();
    await stack.up({ onEvent });
    for (const key of kept) expect(ops.get(key), key).to.be.oneOf(["same", "update"]);
    const changed = changedOps(ops);
    expect(changed.get(stateTable)).to.equal("delete");
    expect(
      changed.get("aws:kinesisanalyticsv2/application:Application::sessionizer-application"),
    ).to.equal("create");
    expect(changed.get("aws:lambda/function:Function::sessionizer-function")).to.equal("delete");
    // Resource by resource what `npm run plan -- --diff` says for the same change.
    const planned = planOps(await planDiffTo("dev", flink));
    expect([...changed].sort()).to.deep.equal([...planned].sort());

    const again = await stack.preview({ expectNoChanges: true });
    expect(Object.keys(again.changeSummary)).to.deep.equal(["same"]);
  });
});
