import { expect } from "chai";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  buildPlanComment,
  commentMarker,
  fenceFor,
  githubCommentLimit,
  minimumCommentLimit,
  truncateLines,
} from "../../infra/plan/comment";
import { parseCommentArguments } from "../../harness/cli/planComment";

const line = (i: number): string => `+      tags.key${i}: "${"v".repeat(60)}"`;
const hugeDiff = (lines: number): string =>
  `Plan diff of stack dev:\n${Array.from({ length: lines }, (_, i) => line(i)).join("\n")}\nResources: 1 to create, 0 to update, 0 to replace, 0 to delete, 3 unchanged.\n`;

/** Whether every fence that opens a block is closed by the same fence later. */
function fencesBalanced(body: string): boolean {
  let open: string | undefined;
  for (const raw of body.split("\n")) {
    const line = raw.replace(/^> /, "");
    const fence = /^(`{3,})/.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === undefined) open = fence;
    else if (line === open) open = undefined;
  }
  return open === undefined;
}

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
        diff: "Plan diff of stack dev:\n~ a:b:C: x (update) [diff: ~k]\n-      k: 1\n+      k: 2\nResources: 0 to create, 1 to update, 0 to replace, 0 to delete, 2 unchanged.\n",
      },
      { stack: "lab", diff: "Plan diff of stack lab:\nNo changes: 3 resources unchanged.\n" },
    ]);
    expect(body).to.contain(
      "#### Stack `dev`: Resources: 0 to create, 1 to update, 0 to replace, 0 to delete, 2 unchanged\n\n```diff\nPlan diff",
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
      "Plan diff of stack lab:\n+ a:b:C: x (create)\nResources: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged.\n";
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

  it("puts every stack's data-loss warnings at the top, before any diff", () => {
    const warning =
      "! data loss: aws:dynamodb/table:Table sessionizer-sessions is replaced (name cannot change in place); its items are lost";
    const body = buildPlanComment([
      { stack: "lab", diff: "Plan diff of stack lab:\nNo changes: 3 resources unchanged.\n" },
      {
        stack: "dev",
        diff: `Plan diff of stack dev:\n${warning}\n+- aws:dynamodb/table:Table: sessionizer-sessions (replace) [diff: ~name] [replace: name]\nResources: 0 to create, 0 to update, 1 to replace, 0 to delete, 2 unchanged.\n`,
      },
    ]);
    const caution = body.indexOf("> [!CAUTION]");
    expect(caution).to.be.greaterThan(0);
    expect(caution).to.be.lessThan(body.indexOf("#### Stack"));
    expect(body).to.contain("> **1 data-loss warning**");
    expect(body).to.contain(
      "> ```text\n> dev: data loss: aws:dynamodb/table:Table sessionizer-sessions is replaced",
    );
    expect(fencesBalanced(body)).to.equal(true);
  });

  it("keeps the warnings at the top when the diffs are cut to fit", () => {
    const warning = "! data loss: aws:sqs/queue:Queue q is deleted; its messages are lost";
    const body = buildPlanComment([
      { stack: "dev", diff: `Plan diff of stack dev:\n${warning}\n${hugeDiff(5000)}` },
    ]);
    expect(body.length).to.be.at.most(githubCommentLimit);
    expect(body).to.contain("> dev: data loss: aws:sqs/queue:Queue q is deleted");
    expect(body).to.match(/\.\.\. \d+ more lines not shown/);
  });

  it("survives a diff with 200,000 runs of backticks, where spreading them into Math.max threw", () => {
    const diff = "+ x: `a` ``b``\n".repeat(100_000);
    const body = buildPlanComment([{ stack: "dev", diff }]);
    expect(body.length).to.be.at.most(githubCommentLimit);
    expect(body).to.contain("```diff\n+ x: `a` ``b``\n");
    expect(fencesBalanced(body)).to.equal(true);
    expect(fenceFor("`".repeat(300_000))).to.have.length(300_001);
  });

  it("cuts a line of megabytes to a readable length, saying how much it left out", () => {
    const body = buildPlanComment([
      { stack: "dev", diff: `+ value: "${"x".repeat(1_000_000)}"\n+ next: 1\n` },
    ]);
    expect(body).to.match(/\+ value: "x{1990} \.\.\. \(998011 more characters\)\n\+ next: 1\n/);
  });

  it("lists by count the stacks it has no room for", () => {
    const body = buildPlanComment(
      Array.from({ length: 400 }, (_, i) => ({
        stack: `stack-${i}`,
        diff: `+ value: "${"x".repeat(100_000)}"\n`,
      })),
    );
    expect(body.length).to.be.at.most(githubCommentLimit);
    expect(body).to.contain("#### Stack `stack-0`");
    expect(body).to.match(/\n\d+ more stacks not shown: run `npm run plan -- --stack NAME/);
    expect(fencesBalanced(body)).to.equal(true);
  });

  it("stays within any limit, starting with the marker and closing every block, whatever the diffs hold", () => {
    const text = fc.string({
      unit: fc.constantFrom("`", "\n", "\r", "! ", "x", "é", "\uD83D\uDE00", "#", ">", " "),
      maxLength: 400,
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ stack: fc.string({ maxLength: 30 }), diff: text, failed: fc.boolean() }),
          { maxLength: 6 },
        ),
        fc.integer({ min: minimumCommentLimit, max: 6000 }),
        fc.integer({ min: 1, max: 60 }),
        (sections, limit, repeat) => {
          const big = sections.map((s) => ({ ...s, diff: s.diff.repeat(repeat) }));
          const body = buildPlanComment(big, { limit, headSha: "0123456789abcdef" });
          expect(body.length).to.be.at.most(limit);
          expect(body.startsWith(`${commentMarker}\n`)).to.equal(true);
          expect(fencesBalanced(body), body).to.equal(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a limit too small for the heading and the notes", () => {
    expect(() => buildPlanComment([], { limit: 100 })).to.throw(
      /^limit 100: expected an integer of at least 2000 characters$/,
    );
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
