/**
 * `npm run plan -- [--stack NAME] [--json] [--diff BASE.json]`: what `pulumi up` would create for a
 * stack, computed offline; or, with --diff, what changes against a plan saved earlier with --json.
 */
import * as fs from "fs";
import { computePlan } from "../../infra/plan/computePlan";
import { diffPlans, formatDiff, parsePlanJson } from "../../infra/plan/diff";
import { formatPlan } from "../../infra/plan/format";
import {
  anyText,
  createCommand,
  flag,
  helpText,
  matching,
  parseCommand,
  runCli,
  valueOption,
} from "./command";

function planCommand() {
  return createCommand(
    "npm run plan --",
    "Prints the resources `pulumi up` would create for a stack: type, name, parent and inputs of " +
      "each, in a stable order. Runs the Pulumi program (infra/index.ts) under Pulumi's mocks with " +
      "the stack's configuration (Pulumi.yaml defaults, then Pulumi.<stack>.yaml); needs no " +
      "credentials, no Pulumi CLI and no network. ARNs are built from each resource's type, name " +
      "and region in account 123456789012; values known only after deployment show as " +
      "(computed), secrets as [secret].",
  )
    .usage("[--stack NAME] [--json] [--diff BASE.json]")
    .addOption(
      valueOption(
        "--stack <NAME>",
        "the stack whose Pulumi.<NAME>.yaml to read",
        matching(/^[A-Za-z0-9_.-]+$/, "a stack name of letters, digits, '_', '.' or '-'"),
        { value: "dev" },
      ),
    )
    .addOption(flag("--json", "print the plan as JSON, for machines and for --diff"))
    .addOption(
      valueOption(
        "--diff <BASE.json>",
        "compare with a plan saved by --json and print what is created, updated, replaced " +
          "(+-, naming the inputs that force it) and deleted, property by property, as a " +
          "preview does, warnings about data a replacement or deletion loses first; resources " +
          "moved through an alias are matched; with --json, the diff as JSON",
        anyText,
        { text: "none, print the plan itself" },
      ),
    );
}

/** The `--help` text. */
export const usage = helpText(planCommand());

/** Parsed command line. */
export interface PlanArguments {
  readonly stack: string;
  readonly json: boolean;
  readonly diffBase: string | undefined;
  readonly help: boolean;
}

/** Parses the arguments after `--`; throws `UsageError` naming the bad argument. */
export function parsePlanArguments(argv: readonly string[]): PlanArguments {
  const options = parseCommand<{ stack: string; json: boolean; diff?: string }>(
    planCommand(),
    argv,
  );
  return { stack: options.stack, json: options.json, diffBase: options.diff, help: options.help };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parsePlanArguments(argv);
  if (args.help) {
    process.stdout.write(usage);
    return;
  }
  const base =
    args.diffBase === undefined
      ? undefined
      : parsePlanJson(fs.readFileSync(args.diffBase, "utf8"), args.diffBase);
  const plan = await computePlan(args.stack);
  if (base === undefined) {
    process.stdout.write(args.json ? `${JSON.stringify(plan, null, 2)}\n` : formatPlan(plan));
    return;
  }
  const diff = diffPlans(base, plan);
  process.stdout.write(args.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff));
}

if (require.main === module) runCli("plan", main);
