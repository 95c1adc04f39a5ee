/**
 * `npm run replay -- [--sql FILE] [--stream NAME] [--input FILE|-]`: runs a SQL application over
 * recorded records (JSON lines) and prints one stream's rows as JSON lines. A thin shell over the
 * replay module; reads with readline, so inputs of any size run in bounded memory.
 */
import * as fs from "fs";
import * as readline from "readline";
import { destinationStreamName } from "../../sql/contracts";
import { sessionizeSqlPath } from "../../sql/inputSchema";
import { createReplay, UnknownStreamError, type Replay } from "../emulator";
import {
  anyText,
  createCommand,
  flag,
  helpParagraph,
  helpText,
  oneOf,
  parseCommand,
  runCli,
  valueOption,
} from "./command";

/** The options of `npm run replay`, as parsed. */
export interface ReplayArguments {
  readonly sql: string;
  readonly stream: string;
  readonly input: string;
  readonly overflow: "error" | "truncate";
  readonly trimChar: boolean;
}

function replayCommand() {
  return createCommand(
    "npm run replay --",
    "Runs a Kinesis Data Analytics SQL application offline over recorded records and writes one " +
      "stream's rows to stdout as JSON lines, one object per row: keys in column order, TIMESTAMP " +
      "as 'yyyy-MM-dd HH:mm:ss.SSS' (UTC), NULL as null, as the Lambda destination receives them.\n\n" +
      'Input lines: a bare event object (ROWTIME = its event_timestamp, else the previous ROWTIME), or an envelope {"data": <object or base64 text>, "arrivalTime": <epoch ms>}; any other line becomes an error_stream row. Blank lines are skipped. ROWTIME never decreases.',
  )
    .addOption(
      valueOption("--sql <FILE>", "SQL application to run", anyText, {
        value: sessionizeSqlPath,
        text: "sql/sessionize.sql of this package",
      }),
    )
    .addOption(
      valueOption(
        "--stream <NAME>",
        "stream whose rows are written; also INTERMEDIATE_SQL_STREAM, error_stream, SOURCE_SQL_STREAM_001",
        anyText,
        { value: destinationStreamName },
      ),
    )
    .addOption(
      valueOption("--input <FILE|->", "JSON-lines input; - reads stdin", anyText, { value: "-" }),
    )
    .addOption(
      valueOption(
        "--overflow <MODE>",
        "VARCHAR/CHAR overflow on a pump's INSERT: error (the row goes to error_stream) or truncate",
        oneOf(["error", "truncate"] as const),
        { value: "error" },
      ),
    )
    .addOption(
      flag(
        "--trim-char",
        "trim the blank padding of CHAR values",
        "off, padding kept as KDA delivers it",
      ),
    )
    .addHelpText(
      "after",
      helpParagraph(
        "Exit codes: 0 done; 1 the SQL cannot be loaded or a file cannot be read; 2 usage error " +
          "(an unknown option or stream name, a missing or bad value).",
      ),
    );
}

/** The `--help` text. */
export const usage = helpText(replayCommand());

/** Parses the command line; "help" for --help. Throws `UsageError` naming the bad option. */
export function parseReplayArguments(argv: readonly string[]): ReplayArguments | "help" {
  const options = parseCommand<ReplayArguments>(replayCommand(), argv);
  return options.help ? "help" : options;
}

/** Writes lines to stdout in large chunks, waiting when the pipe is full. */
class Output {
  private buffer = "";

  async write(line: string): Promise<void> {
    this.buffer += line + "\n";
    if (this.buffer.length >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer === "") return;
    const chunk = this.buffer;
    this.buffer = "";
    if (!process.stdout.write(chunk)) {
      await new Promise<void>((resolve) => process.stdout.once("drain", resolve));
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseReplayArguments(argv);
  if (options === "help") {
    process.stdout.write(usage);
    return 0;
  }
  let replay: Replay;
  try {
    const sqlText = fs.readFileSync(options.sql, "utf8");
    replay = createReplay(sqlText, {
      stream: options.stream,
      overflow: options.overflow,
      trimChar: options.trimChar,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return error instanceof UnknownStreamError ? 2 : 1;
  }
  const input = options.input === "-" ? process.stdin : fs.createReadStream(options.input);
  const output = new Output();
  try {
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      const rows = replay.feed(line);
      for (let i = 0; i < rows.length; i++) await output.write(JSON.stringify(rows[i]));
    }
  } catch (error) {
    process.stderr.write(`Cannot read --input ${options.input}: ${(error as Error).message}\n`);
    return 1;
  }
  await output.flush();
  return 0;
}

if (require.main === module) runCli("replay", main);
