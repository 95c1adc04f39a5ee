/**
 * `tsx harness/cli/planComment.ts [--sha SHA] STACK=DIFF_FILE [STACK!=ERROR_FILE ...]`: prints the
 * pull-request comment for the given per-stack diff files (the workflow's last step before posting).
 * `STACK!=FILE` marks a stack whose head plan failed; FILE then holds the error output.
 */
import * as fs from "fs";
import { buildPlanComment, type StackSection } from "../../infra/plan/comment";
import {
  UsageError,
  anyText,
  createCommand,
  helpText,
  parseCommand,
  runCli,
  valueOption,
} from "./command";

function commentCommand() {
  return createCommand(
    "tsx harness/cli/planComment.ts",
    "Prints the pull-request comment for the per-stack plan diffs: STACK=DIFF_FILE for a stack " +
      "whose plan diff is in DIFF_FILE, STACK!=ERROR_FILE for one whose head plan failed with the " +
      "output in ERROR_FILE.",
  )
    .usage("[--sha SHA] STACK=DIFF_FILE [STACK!=ERROR_FILE ...]")
    .argument("[sections...]")
    .addOption(
      valueOption("--sha <SHA>", "the pull request's head commit, named in the comment", anyText, {
        text: "none, not named",
      }),
    );
}

/** The `--help` text. */
export const usage = helpText(commentCommand());

/** Parses the arguments into sections, reading each file; throws naming a malformed argument. */
export function parseCommentArguments(argv: readonly string[]): {
  sections: StackSection[];
  headSha?: string;
  help?: true;
} {
  const command = commentCommand();
  const options = parseCommand<{ sha?: string }>(command, argv);
  if (options.help) return { sections: [], help: true };
  const sections = command.args.map((arg): StackSection => {
    const match = /^([A-Za-z0-9_.-]+)(!?)=(.+)$/.exec(arg);
    if (!match) {
      throw new UsageError(
        `Argument ${JSON.stringify(arg)}: expected STACK=DIFF_FILE or STACK!=ERROR_FILE`,
      );
    }
    return {
      stack: match[1]!,
      failed: match[2] === "!",
      diff: fs.readFileSync(match[3]!, "utf8"),
    };
  });
  return options.sha === undefined ? { sections } : { sections, headSha: options.sha };
}

async function main(argv: readonly string[]): Promise<void> {
  const { sections, headSha, help } = parseCommentArguments(argv);
  if (help) {
    process.stdout.write(usage);
    return;
  }
  process.stdout.write(buildPlanComment(sections, headSha === undefined ? {} : { headSha }));
}

if (require.main === module) runCli("comment", main);
