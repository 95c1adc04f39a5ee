/**
 * `npm run translate -- --target flink [--sql FILE] [--overflow MODE] [--spec]`: prints the Flink
 * SQL that engine `flink` runs for a KDA SQL application, or the runner's job spec as JSON.
 * Constructs Flink cannot run with the harness's semantics are refused with their line:column
 * (docs/flink.md).
 */
import * as fs from "fs";
import { Command, CommanderError, Option } from "commander";
import { sessionizeSqlPath } from "../../sql/inputSchema";
import { TranslateError, translateToFlink } from "../flink";

/** Runs the CLI; returns the exit code (0 done, 1 untranslatable SQL or unreadable file, 2 usage). */
export function main(argv: readonly string[], out = process.stdout, err = process.stderr): number {
  const program = new Command("npm run translate --")
    .description(
      "Translates a Kinesis Data Analytics SQL application to Flink SQL for engine flink and prints it.",
    )
    .addOption(
      new Option("--target <engine>", "the engine to translate for")
        .choices(["flink"])
        .makeOptionMandatory(),
    )
    .option("--sql <file>", "KDA SQL application", sessionizeSqlPath)
    .addOption(
      new Option("--overflow <mode>", "VARCHAR/CHAR overflow on a pump's INSERT")
        .choices(["error", "truncate"])
        .default("error"),
    )
    .option("--spec", "print flink-runner's job spec (JSON) instead of the SQL")
    .addHelpText(
      "after",
      "\nExit codes: 0 done; 1 the SQL cannot be loaded or translated, or the file cannot be read;\n2 usage error.",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
  const options = program.opts<{ sql: string; overflow: "error" | "truncate"; spec?: boolean }>();
  let text: string;
  try {
    text = fs.readFileSync(options.sql, "utf8");
  } catch (error) {
    err.write(`translate: cannot read --sql ${options.sql}: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const translation = translateToFlink(text, { overflow: options.overflow });
    out.write(
      options.spec ? JSON.stringify(translation.spec, null, 2) + "\n" : translation.sqlText,
    );
    return 0;
  } catch (error) {
    if (error instanceof TranslateError || (error as Error).name === "SqlLoadError") {
      err.write(`translate: ${options.sql}: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
