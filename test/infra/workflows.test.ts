import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { commentMarker, githubCommentLimit } from "../../infra/plan/comment";

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
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown[]> };
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (file: string): Workflow =>
  parse(fs.readFileSync(path.join(workflowsDir, file), "utf8")) as Workflow;
const stacks = fs
  .readdirSync(root)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

describe("the GitHub workflows", () => {
  const pr = load("pull-request.yml");
  const comment = load("plan-comment.yml");

  it("are valid: every job runs on a runner and every step either uses an action or runs a command", () => {
    for (const file of fs.readdirSync(workflowsDir)) {
      const workflow = load(file);
      expect(workflow.name, file).to.be.a("string");
      expect(Object.keys(workflow.on), file).to.have.length.greaterThan(0);
      for (const [id, job] of Object.entries(workflow.jobs)) {
        expect(job["runs-on"], `${file} ${id}`).to.equal("ubuntu-latest");
        expect(job.steps, `${file} ${id}`).to.have.length.greaterThan(0);
        for (const step of job.steps) {
          expect(
            Boolean(step.uses) !== Boolean(step.run),
            `${file} ${id} ${JSON.stringify(step)}`,
          ).to.equal(true);
          if (step.uses) expect(step.uses, `${file} ${id}`).to.match(/^[\w.-]+\/[\w.-]+@v\d+$/);
        }
        for (const need of [job.needs ?? []].flat())
          expect(workflow.jobs, `${file} ${id}`).to.have.property(need);
      }
    }
  });

  it("run on every pull request with a read-only token", () => {
    expect(pr.on).to.have.property("pull_request");
    expect(pr.permissions).to.deep.equal({ contents: "read" });
  });

  it("install from the lockfile and run the test suite", () => {
    const runs = pr.jobs["test"]!.steps.map((s) => s.run).filter(Boolean);
    expect(runs).to.deep.equal(["npm ci --no-audit --no-fund", "npm test"]);
  });

  it("plan the base branch and diff the pull request against it for every stack file in the repository", () => {
    const job = pr.jobs["plan-diff"]!;
    expect(
      (job as unknown as { env: Record<string, string> }).env["STACKS"]!.split(" ").sort(),
    ).to.deep.equal(stacks);
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
    const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload?.with?.["name"]).to.equal("plan-diff");
  });

  it("post the plan comment from a workflow_run, so pull requests from forks get it without secrets", () => {
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
      comment.jobs["comment"]!.steps.find((s) => s.uses?.startsWith("actions/github-script@"))
        ?.with?.["script"],
    );
    expect(script).to.contain(`const marker = "${commentMarker}";`);
    expect(script).to.contain(`const limit = ${githubCommentLimit};`);
    expect(script).to.contain("updateComment").and.contain("createComment");
    expect(script).to.contain("pull.head.sha !== context.payload.workflow_run.head_sha");
  });

  it("run pulumi preview per stack with a PR comment only when AWS and Pulumi credentials exist", () => {
    const gate = pr.jobs["credentials"]!;
    const check = gate.steps[0]!;
    expect(Object.keys(check.env ?? {}).sort()).to.deep.equal([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "PULUMI_ACCESS_TOKEN",
    ]);
    expect(gate.outputs).to.deep.equal({ available: "${{ steps.check.outputs.available }}" });
    const preview = pr.jobs["preview"]!;
    expect(preview.needs).to.equal("credentials");
    expect(preview.if).to.equal("needs.credentials.outputs.available == 'true'");
    expect(preview.strategy?.matrix["stack"]).to.deep.equal(stacks);
    const pulumi = preview.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.with).to.include({
      command: "preview",
      "stack-name": "${{ matrix.stack }}",
      "comment-on-pr": true,
    });
    expect(pulumi?.env).to.have.property("PULUMI_ACCESS_TOKEN");
    expect(preview.permissions).to.include({ "pull-requests": "write" });
  });
});
