/**
 * `npm run deploy-check`'s steps on the real Pulumi engine, against the `aws` stand-in: the same
 * inline program and stack calls (`checkStackOf`) the check makes against an account. Only the data
 * plane is replaced: the clicks the check sends run through the emulator with the application the
 * stack deploys (engine lambda's sessionizer runs this very emulator), and the "table" it scans holds
 * the session ids that gives. So the ids the check waits for are the ones the deployed SQL writes.
 */
import { expect } from "chai";
import type { StackSettings } from "@pulumi/pulumi/automation";
import { replayLines } from "../../harness/emulator";
import {
  checkStackOf,
  deployCheckApplication,
  type DeployCheckWorld,
  runDeployCheck,
} from "../../scripts/deploy-check";
import { readApplicationSql, sqlApplications } from "../../sql/applications";
import { type EngineBackend, engineBackend } from "./engineStack";

describe("npm run deploy-check on the real Pulumi engine (aws stand-in)", function () {
  let backend: EngineBackend;
  before(async () => {
    backend = await engineBackend();
  });
  after(() => backend?.close());

  it("deploys, finds the sessions, previews no change, changes startingPosition in place, destroys and removes the stack", async () => {
    const log: string[] = [];
    const tables = new Map<string, string[]>();
    let removed = false;
    const world: DeployCheckWorld = {
      async createStack(name) {
        const stack = await backend.stack(name, { config: {} } as StackSettings);
        const check = checkStackOf(stack, () => undefined);
        return {
          ...check,
          async remove() {
            await check.remove();
            removed = true;
          },
        };
      },
      async sendClicks(_region, _stream, clicks) {
        const sql = readApplicationSql(deployCheckApplication);
        const rows = replayLines(
          sql,
          clicks.map((click) => JSON.stringify(click)),
          { inputSchema: sqlApplications[deployCheckApplication].inputSchema },
        );
        tables.set(
          "sessions",
          [...rows].map((row) => String(row["session_id"])),
        );
      },
      async sessionIds() {
        return tables.get("sessions") ?? [];
      },
      now: Date.now,
      sleep: async () => undefined,
      log: (line) => void log.push(line),
    };
    await runDeployCheck(
      { region: "eu-west-1", stackName: "deploy-check-engine", timeoutSeconds: 1, keep: false },
      world,
    );
    expect(log[log.length - 1]).to.equal("deploy check passed");
    expect(tables.get("sessions")).to.have.length(6);
    expect(removed).to.equal(true);
  });
});
