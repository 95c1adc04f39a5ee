/**
 * Which SQL application a command runs, as `npm run replay` and `npm run translate` take it: one of
 * this package's applications by name (its SQL file and its input schema together), or a user's
 * own SQL file with the input schema it was deployed with. Declared once so both commands agree; a
 * user's SQL read with the wrong input schema would silently truncate or refuse their columns.
 */
import * as fs from "fs";
import type { Command } from "commander";
import {
  sqlApplicationNames,
  sqlApplicationPath,
  sqlApplications,
  type SqlApplicationName,
} from "../../sql/applications";
import type { InputSchema } from "../../sql/inputSchema";
import { inputSchemaFromKda } from "../../sql/kdaInputSchema";
import { anyText, oneOf, valueOption } from "./command";

/** The parsed options. */
export interface ApplicationArguments {
  readonly app: SqlApplicationName;
  readonly sql?: string;
  readonly inputSchema?: string;
}

/** The application to run: its SQL file and text, and its input schema. */
export interface ChosenApplication {
  readonly sqlPath: string;
  readonly sqlText: string;
  readonly inputSchema: InputSchema;
}

/** The application the replay tools run unless told: the lab's, whose records the docs replay. */
export const replayDefaultApplication: SqlApplicationName = "lab";

export function addApplicationOptions(command: Command): Command {
  return command
    .optionsGroup("Application:")
    .addOption(
      valueOption(
        "--app <NAME>",
        `the SQL application with its input schema: ${sqlApplicationNames
          .map((name) => `${name} (${sqlApplications[name].description})`)
          .join("; ")}`,
        oneOf(sqlApplicationNames),
        { value: replayDefaultApplication },
      ),
    )
    .addOption(
      valueOption("--sql <FILE>", "your own KDA SQL file instead of the application's", anyText, {
        text: "the application's",
      }),
    )
    .addOption(
      valueOption(
        "--input-schema <FILE>",
        "the input schema your SQL was deployed with: KDA's InputSchema JSON (RecordColumns: Name, SqlType, Mapping), or the output of aws kinesisanalytics describe-application",
        anyText,
        { text: "the application's" },
      ),
    );
}

/**
 * Reads what the options name. Throws the file system's error for an unreadable file and
 * `InputSchemaError` for a schema file that is not a schema; callers report either as one line.
 */
export function chooseApplication(options: ApplicationArguments): ChosenApplication {
  const spec = sqlApplications[options.app];
  const sqlPath = options.sql ?? sqlApplicationPath(options.app);
  const sqlText = readOptionFile("--sql", sqlPath);
  if (options.inputSchema === undefined) return { sqlPath, sqlText, inputSchema: spec.inputSchema };
  let json: unknown;
  try {
    json = JSON.parse(readOptionFile("--input-schema", options.inputSchema));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new SyntaxError(`${options.inputSchema} is not JSON: ${error.message}`);
    }
    throw error;
  }
  return { sqlPath, sqlText, inputSchema: inputSchemaFromKda(json, options.inputSchema) };
}

/** The file's text; an unreadable file's error keeps its code and says which option named it. */
function readOptionFile(option: string, file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    (error as Error).message = `cannot read ${option} ${file}: ${(error as Error).message}`;
    throw error;
  }
}
