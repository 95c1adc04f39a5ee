/**
 * The pull-request comment that shows the plan diff of every stack. GitHub rejects comments over
 * 65,536 characters, so long diffs are cut at a line boundary, each stack keeping a fair share, with a
 * note saying how much was left out and how to see all of it.
 */

/** Hidden first line by which the workflow finds its own comment to update it. */
export const commentMarker = "<!-- clickstream-sessionizer:plan-diff -->";

/** GitHub's maximum comment body, in characters. */
export const githubCommentLimit = 65536;

/** One stack's part of the comment. */
export interface StackSection {
  readonly stack: string;
  /** The text `npm run plan -- --stack <stack> --diff base.json` printed. */
  readonly diff: string;
  /** Set when the head plan could not be computed: the error text to show instead of a diff. */
  readonly failed?: boolean;
}

/** Context shown in the comment's heading. */
export interface CommentContext {
  /** The head commit the plans were computed for. */
  readonly headSha?: string;
  /** Maximum length; GitHub's limit unless a test says otherwise. */
  readonly limit?: number;
}

function summaryOf(section: StackSection): string {
  if (section.failed) return "plan failed";
  const last = section.diff.trimEnd().split("\n").pop() ?? "";
  return /^(Resources:|No changes)/.test(last) ? last.replace(/\.$/, "") : "see below";
}

/** A code fence longer than any run of backticks inside `text`, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

/** `text` cut to at most `budget` characters at a line boundary, with a note if anything was cut. */
export function truncateLines(
  text: string,
  budget: number,
  note: (omitted: number) => string,
): string {
  if (text.length <= budget) return text;
  const lines = text.split("\n");
  let kept = 0;
  let length = 0;
  const noteRoom = note(lines.length).length + 1;
  while (kept < lines.length && length + lines[kept]!.length + 1 + noteRoom <= budget) {
    length += lines[kept]!.length + 1;
    kept++;
  }
  return [...lines.slice(0, kept), note(lines.length - kept)].join("\n");
}

/**
 * The comment body: the marker, a heading, then per stack a summary line and its diff in a `diff`
 * block (so GitHub colours added and removed lines). Never longer than `context.limit`.
 */
export function buildPlanComment(
  sections: readonly StackSection[],
  context: CommentContext = {},
): string {
  const limit = context.limit ?? githubCommentLimit;
  const header = [
    commentMarker,
    "### Pulumi plan diff",
    "",
    `What \`pulumi up\` would change in each stack${context.headSha ? ` at ${context.headSha.slice(0, 12)}` : ""}, ` +
      "against the base branch, computed offline under Pulumi's mocks (`npm run plan`): no credentials " +
      "needed. Values known only after deployment show as (computed).",
    "",
    "",
  ].join("\n");

  const frame = (section: StackSection, body: string): string => {
    const fence = fenceFor(body);
    return [
      `#### Stack \`${section.stack}\`: ${summaryOf(section)}`,
      "",
      `${fence}${section.failed ? "text" : "diff"}`,
      body.replace(/\n$/, ""),
      fence,
      "",
    ].join("\n");
  };
  const note = (stack: string) => (omitted: number) =>
    `... ${omitted} more lines not shown (GitHub caps comments at ${githubCommentLimit} characters); ` +
    `run \`npm run plan -- --stack ${stack} --diff base.json\` for all of it`;

  const full = header + sections.map((s) => frame(s, s.diff)).join("\n");
  if (full.length <= limit) return full;

  // Share what the frames leave over, smallest diffs first, so a short diff is never cut for a long one.
  const frames = sections.map((s) => frame(s, "").length + 8);
  let remaining = limit - header.length - frames.reduce((a, b) => a + b, 0) - (sections.length - 1);
  const budgets = new Map<StackSection, number>();
  const bySize = [...sections].sort((a, b) => a.diff.length - b.diff.length);
  bySize.forEach((section, i) => {
    const share = Math.floor(remaining / (bySize.length - i));
    const budget = Math.max(0, Math.min(section.diff.length, share));
    budgets.set(section, budget);
    remaining -= budget;
  });
  const body =
    header +
    sections
      .map((s) => frame(s, truncateLines(s.diff, budgets.get(s) ?? 0, note(s.stack))))
      .join("\n");
  // The fence could grow if truncation removed nothing but the note added backticks: cut hard as a last resort.
  return body.length <= limit ? body : body.slice(0, limit);
}
