/**
 * The pull-request comment that shows the plan diff of every stack. The data-loss warnings of all
 * stacks come first, where a reviewer cannot miss them; then each stack's diff in a `diff` block.
 *
 * The diffs are computed by the pull request's own code, so the builder treats them as arbitrary
 * text: any characters, any length, any number of backticks. GitHub rejects a comment over 65,536
 * characters, so long diffs are cut at a line boundary, each stack keeping a fair share, with a note
 * saying how much was left out and how to see all of it; the result is never longer than the limit.
 */
import { warningPrefix } from "./diff";

/** Hidden first line by which the workflow finds its own comment to update it. */
export const commentMarker = "<!-- clickstream-sessionizer:plan-diff -->";

/** GitHub's maximum comment body, in characters. */
export const githubCommentLimit = 65536;

/** The smallest limit the builder accepts: room for the heading, the notes and a few lines. */
export const minimumCommentLimit = 2000;

/** Longest line shown; longer ones are cut with a note (a one-line value can be megabytes). */
export const maximumLineLength = 2000;

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

/** The last line of a diff when it is the summary `formatDiff` prints; else a neutral word. */
function summaryOf(section: StackSection): string {
  if (section.failed) return "plan failed";
  const last = section.diff.trimEnd().split("\n").pop() ?? "";
  // Only the summary's own characters: the text is the pull request's, and this line is Markdown.
  return /^(Resources: |No changes: )[\w ,.()]*$/.test(last)
    ? last.replace(/\.$/, "")
    : "see below";
}

/** The longest run of backticks in `text`, in one pass (any length of text, any number of runs). */
function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    run = text.charCodeAt(i) === 96 ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** A code fence longer than any run of backticks inside `text`, so the text cannot close it. */
export function fenceFor(text: string): string {
  return "`".repeat(Math.max(2, longestBacktickRun(text)) + 1);
}

/**
 * `text` as an inline code span that its own backticks cannot end: delimited by one backtick more
 * than its longest run, padded with spaces only where it starts or ends with one (CommonMark).
 */
function codeSpan(text: string): string {
  const single = text.replace(/[\r\n]+/g, " ");
  const ticks = "`".repeat(longestBacktickRun(single) + 1);
  const pad = /^`|`$/.test(single) || single === "" ? " " : "";
  return `${ticks}${pad}${single}${pad}${ticks}`;
}

/** At most `maximum` characters, never ending inside a surrogate pair. */
function cut(text: string, maximum: number): string {
  if (text.length <= maximum) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maximum - 1)) ? maximum - 1 : maximum;
  return text.slice(0, Math.max(0, end));
}

/** The text with Windows line ends made Unix ones and every line at most {@link maximumLineLength}. */
function normalise(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) =>
      line.length <= maximumLineLength
        ? line
        : `${cut(line, maximumLineLength)} ... (${line.length - maximumLineLength} more characters)`,
    )
    .join("\n");
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
 * A fenced block of `body`, each line prefixed with `prefix` (`> ` inside a quote). `fence` must be
 * longer than any run of backticks in `body`; by default it is computed from it.
 */
function fenced(body: string, info: string, prefix = "", fence = fenceFor(body)): string {
  const lines = [`${fence}${info}`, ...body.replace(/\n$/, "").split("\n"), fence];
  return lines.map((line) => `${prefix}${line}`.trimEnd()).join("\n");
}

/**
 * The data-loss warnings of every stack, in a caution block, within `budget` characters; empty when
 * there are none.
 */
function warningsBlock(sections: readonly StackSection[], budget: number): string {
  const warnings = sections.flatMap((section) =>
    section.failed
      ? []
      : section.diff
          .split("\n")
          .filter((line) => line.startsWith(warningPrefix))
          .map((line) => `${section.stack}: ${line.slice(warningPrefix.length)}`),
  );
  if (warnings.length === 0) return "";
  const heading = [
    "> [!CAUTION]",
    `> **${warnings.length} data-loss warning${warnings.length === 1 ? "" : "s"}**: \`pulumi up\` would ` +
      "replace or delete resources that hold data. Check each one below before approving.",
    ">",
  ].join("\n");
  const note = (omitted: number): string => `... ${omitted} more warnings in the diffs below`;
  const text = normalise(warnings.join("\n"));
  const fence = fenceFor(text);
  // The fences and the "> " before each line take room too: count them in the budget.
  const room = Math.max(0, budget - heading.length - 2 * fence.length - 2 * warnings.length - 64);
  return `${heading}\n${fenced(truncateLines(text, room, note), "text", "> ", fence)}\n\n`;
}

/**
 * The comment body: the marker, a heading, the data-loss warnings of every stack, then per stack a
 * summary line and its diff in a `diff` block (so GitHub colours added and removed lines). Never
 * longer than `context.limit`, whatever the sections hold.
 */
export function buildPlanComment(
  sections: readonly StackSection[],
  context: CommentContext = {},
): string {
  const limit = context.limit ?? githubCommentLimit;
  if (!Number.isSafeInteger(limit) || limit < minimumCommentLimit) {
    throw new Error(
      `limit ${limit}: expected an integer of at least ${minimumCommentLimit} characters`,
    );
  }
  const sha = context.headSha === undefined ? "" : ` at ${codeSpan(cut(context.headSha, 12))}`;
  const header = [
    commentMarker,
    "### Pulumi plan diff",
    "",
    `What \`pulumi up\` would change in each stack${sha}, against the base branch, computed ` +
      "offline under Pulumi's mocks (`npm run plan`): no credentials needed. ARNs are built from " +
      "each resource's name and region in account 123456789012. `+-` marks a replacement, and " +
      "`!` a resource whose data a replacement or deletion would lose.",
    "",
    "",
  ].join("\n");
  const warnings = warningsBlock(sections, Math.floor(limit / 4));

  const diffs = sections.map((section) => normalise(section.diff));
  // Fences for the whole diff and the note's stack name, so they also hold any cut of them. Lines
  // are at most maximumLineLength long, so no fence is longer than that.
  const fences = diffs.map((diff, i) => fenceFor(`${diff}\n${cut(sections[i]!.stack, 100)}`));
  const frame = (index: number, body: string): string =>
    [
      `#### Stack ${codeSpan(sections[index]!.stack)}: ${summaryOf(sections[index]!)}`,
      "",
      fenced(body, sections[index]!.failed ? "text" : "diff", "", fences[index]),
      "",
    ].join("\n");
  const note = (stack: string) => (omitted: number) =>
    `... ${omitted} more lines not shown (GitHub caps comments at ${githubCommentLimit} characters); ` +
    `run \`npm run plan -- --stack ${stack} --diff base.json\` for all of it`;

  const full = header + warnings + diffs.map((diff, i) => frame(i, diff)).join("\n");
  if (full.length <= limit) return full;

  // Stacks whose frame alone does not fit are listed by name only, at the end.
  const room = limit - header.length - warnings.length - 200;
  const shown: number[] = [];
  let framesLength = 0;
  sections.forEach((section, i) => {
    // A frame's length with an empty body, plus room for the note.
    const empty = frame(i, "").length + note(cut(section.stack, 100))(0).length + 32;
    if (framesLength + empty + 1 <= room) {
      shown.push(i);
      framesLength += empty + 1;
    }
  });
  // Share what the frames leave over, smallest diffs first, so a short diff is never cut for a long one.
  let remaining = room - framesLength;
  const budgets = new Map<number, number>();
  const bySize = [...shown].sort((a, b) => diffs[a]!.length - diffs[b]!.length);
  bySize.forEach((index, i) => {
    const share = Math.floor(remaining / (bySize.length - i));
    const budget = Math.max(0, Math.min(diffs[index]!.length, share));
    budgets.set(index, budget);
    remaining -= budget;
  });
  const hidden = sections.filter((_, i) => !shown.includes(i)).map((s) => s.stack);
  const hiddenNote =
    hidden.length === 0
      ? ""
      : `\n${hidden.length} more stack${hidden.length === 1 ? "" : "s"} not shown: run \`npm run plan -- --stack NAME --diff base.json\` for each.\n`;
  const body =
    header +
    warnings +
    shown
      .map((i) =>
        frame(i, truncateLines(diffs[i]!, budgets.get(i) ?? 0, note(cut(sections[i]!.stack, 100)))),
      )
      .join("\n") +
    hiddenNote;
  // Every part above was measured against the limit; this is only a guard for arithmetic slips.
  return cut(body, limit);
}
