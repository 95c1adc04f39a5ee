import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildPlanComment,
  commentMarker,
  githubCommentLimit,
  truncateLines,
} from "../../infra/plan/comment";
import { parseCommentArguments } from "../../harness/cli/planComment";

const line = (i: number): string => `+      tags.key${i}: "${"v".repeat(60)}"`;
const hugeDiff = (lines: number): string =>
  `Plan diff of stack dev:\n${Array.from({ length: lines }, (_, i) => line(i)).join("\n")}\nResources: 1 to create, 0 to update, 0 to delete, 3 unchanged.\n`;

describe("the plan comment on pull requests", () => {
  it("starts with the hidden marker the workflow finds it by", () => {
    const body = buildPlanComment([
      { stack: "dev", diff: "Plan diff of stack dev:\nNo changes: 3 resources unchanged.\n" },
    ]);
    expect(body.startsWith(`${commentMarker}\n`)).to.equal(true);
  });

  it("shows each stack's summary and its diff in a diff block", () => {
    const body = buildPlanComment([
      {
        stack: "dev",
        diff: "Plan diff of stack dev:\n~ a:b:C: x (update) [diff: ~k]\n-      k: 1\n+      k: 2\nResources: 0 to create, 1 to update, 0 to delete, 2 unchanged.\n",
      },
      { stack: "lab", diff: "Plan diff of stack lab:\nNo changes: 3 resources unchanged.\n" },
    ]);
    expect(body).to.contain(
      "#### Stack `dev`: Resources: 0 to create, 1 to update, 0 to delete, 2 unchanged\n\n```diff\nPlan diff",
    );
    expect(body).to.contain("-      k: 1\n+      k: 2");
    expect(body).to.contain("#### Stack `lab`: No changes: 3 resources unchanged");
  });

  it("shows a failed head plan as text with its error", () => {
    const body = buildPlanComment([
      { stack: "dev", diff: "plan: Invalid stack configuration", failed: true },
    ]);
    expect(body).to.contain(
      "#### Stack `dev`: plan failed\n\n```text\nplan: Invalid stack configuration\n```",
    );
  });

  it("stays within GitHub's 65,536 characters, cutting long diffs at a line with a note", () => {
    const body = buildPlanComment([
      { stack: "dev", diff: hugeDiff(2000) },
      { stack: "lab", diff: hugeDiff(2000) },
    ]);
    expect(githubCommentLimit).to.equal(65536);
    expect(body.length).to.be.at.most(65536);
    expect(body.length).to.be.greaterThan(60000);
    expect(body).to.match(
      /\.\.\. \d+ more lines not shown \(GitHub caps comments at 65536 characters\); run `npm run plan -- --stack dev --diff base.json`/,
    );
    expect(body).to.contain("--stack lab --diff base.json");
    // Every block is still closed, so the rest of the comment renders.
    expect(body.match(/^```/gm)).to.have.length(4);
    for (const kept of body.split("\n").filter((l) => l.startsWith("+      tags.")))
      expect(kept).to.match(/^\+ {6}tags\.key\d+: "v{60}"$/);
  });

  it("never cuts a short diff to make room for a long one", () => {
    const short =
      "Plan diff of stack lab:\n+ a:b:C: x (create)\nResources: 1 to create, 0 to update, 0 to delete, 0 unchanged.\n";
    const body = buildPlanComment([
      { stack: "dev", diff: hugeDiff(5000) },
      { stack: "lab", diff: short },
    ]);
    expect(body.length).to.be.at.most(65536);
    expect(body).to.contain(short.trimEnd());
  });

  it("keeps a diff containing backticks inside its block", () => {
    const body = buildPlanComment([{ stack: "dev", diff: '+      description: "```oops```"\n' }]);
    expect(body).to.contain('````diff\n+      description: "```oops```"\n````');
  });

  it("honours a smaller limit", () => {
    expect(
      buildPlanComment([{ stack: "dev", diff: hugeDiff(100) }], { limit: 3000 }).length,
    ).to.be.at.most(3000);
  });

  it("truncates text at a line boundary and says how many lines it left out", () => {
    const text = "aaaa\nbbbb\ncccc\ndddd";
    expect(truncateLines(text, 100, (n) => `${n} more`)).to.equal(text);
    expect(truncateLines(text, 18, (n) => `${n} more`)).to.equal("aaaa\nbbbb\n2 more");
  });

  it("reads stack=file arguments for the workflow, marking failed plans with !=", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comment-"));
    fs.writeFileSync(path.join(dir, "dev.txt"), "d");
    fs.writeFileSync(path.join(dir, "lab.txt"), "e");
    const parsed = parseCommentArguments([
      "--sha",
      "abc",
      `dev=${dir}/dev.txt`,
      `lab!=${dir}/lab.txt`,
    ]);
    expect(parsed).to.deep.equal({
      headSha: "abc",
      sections: [
        { stack: "dev", failed: false, diff: "d" },
        { stack: "lab", failed: true, diff: "e" },
      ],
    });
    expect(() => parseCommentArguments(["dev"])).to.throw(
      /Argument "dev": expected STACK=DIFF_FILE/,
    );
  });
});
