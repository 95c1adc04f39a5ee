import { expect } from "chai";
import {
  type CheckStack,
  type Click,
  DeployCheckError,
  type DeployCheckWorld,
  deployCheckClicks,
  parseDeployCheckArguments,
  runDeployCheck,
  usage,
} from "../../scripts/deploy-check";
import { sqlApplications } from "../../sql/applications";

/** A world without an account: records every call, answers as a healthy deployment would. */
function fakeWorld(
  behaviour: { sessionsAppearAfter?: number; secondUpReplaces?: boolean; failUp?: boolean } = {},
) {
  const calls: string[] = [];
  let clock = 1_767_225_600_000;
  let sent: readonly Click[] = [];
  let ups = 0;
  let scans = 0;
  const stack: CheckStack = {
    setConfig: async (values) => void calls.push(`config ${JSON.stringify(values)}`),
    up: async () => {
      ups += 1;
      calls.push("up");
      if (behaviour.failUp) throw new Error("AWS said no");
      return {
        outputs: { streamName: "s", sessionsTableName: "t" },
        changes: ups > 1 && behaviour.secondUpReplaces ? { replace: 1 } : { same: 20 },
      };
    },
    previewExpectingNoChanges: async () => void calls.push("preview --expect-no-changes"),
    destroy: async () => void calls.push("destroy"),
    remove: async () => void calls.push("stack rm"),
  };
  const world: DeployCheckWorld = {
    createStack: async (name) => {
      calls.push(`create ${name}`);
      return stack;
    },
    sendClicks: async (region, stream, clicks) => {
      calls.push(`send ${clicks.length} to ${stream} in ${region}`);
      sent = clicks;
    },
    sessionIds: async () => {
      scans += 1;
      if (scans <= (behaviour.sessionsAppearAfter ?? 0)) return [];
      return deployCheckClicks(Number(sent[0]?.event_timestamp)).sessionIds;
    },
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    log: () => undefined,
  };
  return { calls, world };
}

const options = {
  region: "eu-west-1",
  stackName: "deploy-check-1",
  timeoutSeconds: 60,
  keep: false,
};

describe("the deploy check (npm run deploy-check), without an account", () => {
  it("runs up, sends clicks, waits for their sessions, previews for no changes, changes startingPosition and ups again, then destroys and removes the stack", async () => {
    const { calls, world } = fakeWorld({ sessionsAppearAfter: 2 });
    await runDeployCheck(options, world);
    expect(calls).to.deep.equal([
      "create deploy-check-1",
      'config {"aws:region":"eu-west-1","clickstream-sessionizer:engine":"lambda","clickstream-sessionizer:sqlApplication":"product","clickstream-sessionizer:deletionProtection":"false","clickstream-sessionizer:startingPosition":"TRIM_HORIZON"}',
      "up",
      "send 12 to s in eu-west-1",
      "preview --expect-no-changes",
      'config {"clickstream-sessionizer:startingPosition":"NOW"}',
      "up",
      "destroy",
      "stack rm",
    ]);
  });

  it("fails when changing startingPosition replaces a resource, and still destroys the stack", async () => {
    const { calls, world } = fakeWorld({ secondUpReplaces: true });
    const failure = await runDeployCheck(options, world).catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(DeployCheckError);
    expect((failure as Error).message).to.match(/changing startingPosition replaced/);
    expect(calls.slice(-2)).to.deep.equal(["destroy", "stack rm"]);
  });

  it("fails naming the missing sessions when they do not arrive in time, and still destroys the stack", async () => {
    const { calls, world } = fakeWorld({ sessionsAppearAfter: 1000 });
    const failure = await runDeployCheck(options, world).catch((error: unknown) => error);
    expect((failure as Error).message).to.match(/sessions missing from t after 60 s: user1_20/);
    expect(calls.slice(-2)).to.deep.equal(["destroy", "stack rm"]);
  });

  it("destroys the stack when pulumi up fails, and keeps it with --keep", async () => {
    const failing = fakeWorld({ failUp: true });
    await runDeployCheck(options, failing.world).catch(() => undefined);
    expect(failing.calls.slice(-2)).to.deep.equal(["destroy", "stack rm"]);
    const kept = fakeWorld();
    await runDeployCheck({ ...options, keep: true }, kept.world);
    expect(kept.calls).to.not.include("destroy");
  });

  it("sends clicks whose sessions the product's SQL names: two per user, 30 s apart", () => {
    const { clicks, sessionIds } = deployCheckClicks(Date.parse("2026-01-01T12:00:00.500Z"));
    expect(clicks).to.have.length(12);
    expect(sessionIds).to.deep.equal([
      "user1_2026-01-01T12:00:00.000Z",
      "user1_2026-01-01T12:00:30.000Z",
      "user2_2026-01-01T12:00:01.000Z",
      "user2_2026-01-01T12:00:31.000Z",
      "user3_2026-01-01T12:00:02.000Z",
      "user3_2026-01-01T12:00:32.000Z",
    ]);
  });

  it("names the sessions as the lab's SQL does for the lab's application", () => {
    const { clicks, sessionIds } = deployCheckClicks(
      Date.parse("2026-01-01T12:00:00.500Z"),
      sqlApplications.lab,
    );
    expect(clicks).to.have.length(12);
    expect(sessionIds).to.deep.equal([
      "user1_desktop_12:00:00",
      "user1_desktop_12:00:30",
      "user2_desktop_12:00:01",
      "user2_desktop_12:00:31",
      "user3_desktop_12:00:02",
      "user3_desktop_12:00:32",
    ]);
    for (const c of clicks) expect(c.user_id).to.have.length.at.most(7);
  });

  it("parses its options, with a random stack name and the region from AWS_REGION by default", () => {
    const parsed = parseDeployCheckArguments([], { AWS_REGION: "ap-south-1" });
    expect(parsed.region).to.equal("ap-south-1");
    expect(parsed.stackName).to.match(/^deploy-check-[0-9a-f]{8}$/);
    expect(parseDeployCheckArguments(["--stack", "x", "--keep"], {})).to.include({
      stackName: "x",
      keep: true,
      region: "us-west-2",
      timeoutSeconds: 300,
    });
    expect(() => parseDeployCheckArguments(["--timeout", "soon"], {})).to.throw(
      /--timeout is "soon"/,
    );
    expect(usage).to.contain("--keep").and.contain("(default: 300)");
  });
});
