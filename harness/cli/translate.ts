/**
 * `npm run translate -- --target flink [--app NAME | --sql FILE [--input-schema FILE]] [--overflow
 * MODE] [--spec]`: prints the Flink SQL that engine `flink` runs for a KDA SQL application, or the
 * runner's job spec as JSON. Constructs Flink cannot run with the harness's semantics are refused
 * with their line:column (docs/flink.md).
 */
import { InputSchemaError } from "../../sql/kdaInputSchema";
import { TranslateError, translateToFlink } from "../flink";
import {
  addApplicationOptions,
  chooseApplication,
  type ApplicationArguments,
} from "./applicationOptions";
import {
  createCommand,
  flag,
  helpParagraph,
  helpText,
  oneOf,
  parseCommand,
  runCli,
  UsageError,
  valueOption,
} from "./command";

/** The engines SQL can be translated for. */
const targets = ["flink"] as const;

interface TranslateArguments extends ApplicationArguments {
  readonly target?: (typeof targets)[number];
  readonly overflow: "error" | "truncate";
  readonly spec: boolean;
}

function translateCommand() {
  const command = createCommand(
    "npm run translate --",
    "Translates a Kinesis Data Analytics SQL application to Flink SQL for engine flink and prints it.",
  ).addOption(
    valueOption("--target <ENGINE>", "the engine to translate for (required)", oneOf(targets)),
  );
  return addApplicationOptions(command)
    .optionsGroup("Output:")
    .addOption(
      valueOption(
        "--overflow <MODE>",
        "VARCHAR/CHAR overflow on a pump's INSERT: error (the row goes to error_stream) or truncate",
        oneOf(["error", "truncate"] as const),
        { value: "error" },
      ),
    )
    .addOption(flag("--spec", "print flink-runner's job spec (JSON) instead of the SQL", "off"))
    .addHelpText(
      "after",
      helpParagraph(
        "Exit codes: 0 done; 1 the SQL cannot be loaded or translated, or a file cannot be read; 2 usage error.",
      ),
    );
}

/** The `--help` text. */
export const usage = helpText(translateCommand());

/** Runs the CLI; returns the exit code (0 done, 1 untranslatable SQL or unreadable file, 2 usage). */
export function main(argv: readonly string[], out = process.stdout, err = process.stderr): number {
  let options: TranslateArguments & { help: boolean };
  try {
    options = parseCommand<TranslateArguments>(translateCommand(), argv);
    if (!options.help && options.target === undefined) {
      throw new UsageError(`--target is missing; expected --target ${targets.join("|")}`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`${error.message}\n`);
    return 2;
  }
  if (options.help) {
    out.write(usage);
    return 0;
  }
  let application;
  try {
    application = chooseApplication(options);
  } catch (error) {
    const file = (error as NodeJS.ErrnoException).syscall === "open";
    if (!(file || error instanceof InputSchemaError || error instanceof SyntaxError)) throw error;
    err.write(`translate: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const translation = translateToFlink(application.sqlText, {
      inputSchema: application.inputSchema,
      overflow: options.overflow,
    });
    out.write(
      options.spec ? JSON.stringify(translation.spec, null, 2) + "\n" : translation.sqlText,
    );
    return 0;
  } catch (error) {
    if (error instanceof TranslateError || (error as Error).name === "SqlLoadError") {
      err.write(`translate: ${application.sqlPath}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) runCli("translate", async (argv) => main(argv));
