/**
 * `tsx harness/cli/planComment.ts [--sha SHA] STACK=DIFF_FILE [STACK!=ERROR_FILE ...]`: prints the
 * pull-request comment for the given per-stack diff files (the workflow's last step before posting).
 * `STACK!=FILE` marks a stack whose head plan failed; FILE then holds the error output.
 */
import * as fs from "fs";
import { buildPlanComment, type StackSection } from "../../infra/plan/comment";

/** Parses the arguments into sections; throws naming a malformed one. */
export function parseCommentArguments(argv: readonly string[]): {
  sections: StackSection[];
  headSha?: string;
} {
  const sections: StackSection[] = [];
  let headSha: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--sha") {
      headSha = argv[++i];
      continue;
    }
    const match = /^([A-Za-z0-9_.-]+)(!?)=(.+)$/.exec(arg);
    if (!match)
      throw new Error(
        `Argument ${JSON.stringify(arg)}: expected STACK=DIFF_FILE or STACK!=ERROR_FILE`,
      );
    sections.push({
      stack: match[1]!,
      failed: match[2] === "!",
      diff: fs.readFileSync(match[3]!, "utf8"),
    });
  }
  return headSha === undefined ? { sections } : { sections, headSha };
}

if (require.main === module) {
  try {
    const { sections, headSha } = parseCommentArguments(process.argv.slice(2));
    process.stdout.write(buildPlanComment(sections, headSha === undefined ? {} : { headSha }));
  } catch (error) {
    process.stderr.write(`comment: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
