/**
 * `npm run plan -- [--stack NAME] [--json] [--diff BASE.json]`: what `pulumi up` would create for a
 * stack, computed offline; or, with --diff, what changes against a plan saved earlier with --json.
 */
import * as fs from "fs";
import { computePlan } from "../../infra/plan/computePlan";
import { diffPlans, formatDiff, parsePlanJson } from "../../infra/plan/diff";
import { formatPlan } from "../../infra/plan/format";

export const usage = `Usage: npm run plan -- [--stack NAME] [--json] [--diff BASE.json]

Prints the resources \`pulumi up\` would create for a stack: type, name, parent and inputs of
each, in a stable order. Runs the Pulumi program (infra/index.ts) under Pulumi's mocks with the
stack's configuration (Pulumi.yaml defaults, then Pulumi.<stack>.yaml); needs no credentials,
no Pulumi CLI and no network. Values known only after deployment show as (computed), secrets as
[secret].

Options:
  --stack NAME       the stack whose Pulumi.<NAME>.yaml to read (default: dev)
  --json             print the plan as JSON, for machines and for --diff
  --diff BASE.json   compare with a plan saved by --json and print what is added, removed and
                     changed, property by property, as a preview does; with --json, the diff as JSON
  --help             print this help
`;

/** Parsed command line. */
export interface PlanArguments {
  readonly stack: string;
  readonly json: boolean;
  readonly diffBase: string | undefined;
  readonly help: boolean;
}

/** Parses the arguments after `--`; throws naming the bad argument. */
export function parsePlanArguments(argv: readonly string[]): PlanArguments {
  let stack = "dev";
  let json = false;
  let diffBase: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const valueOf = (flag: string): string => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new Error(`${flag} needs a value`);
      i++;
      return next;
    };
    if (arg === "--stack") stack = valueOf("--stack");
    else if (arg === "--json") json = true;
    else if (arg === "--diff") diffBase = valueOf("--diff");
    else if (arg === "--help" || arg === "-h") help = true;
    else
      throw new Error(
        `Unknown argument ${JSON.stringify(arg)}; expected --stack NAME, --json, --diff BASE.json or --help`,
      );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    throw new Error(
      `--stack ${JSON.stringify(stack)}: a stack name has letters, digits, '_', '.' or '-'`,
    );
  }
  return { stack, json, diffBase, help };
}

async function main(): Promise<void> {
  const args = parsePlanArguments(process.argv.slice(2));
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

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`plan: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
