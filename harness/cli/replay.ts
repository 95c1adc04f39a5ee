/**
 * `npm run replay -- [--sql FILE] [--stream NAME] [--input FILE|-]`: runs a SQL application over
 * recorded records (JSON lines) and prints one stream's rows as JSON lines. A thin shell over the
 * replay module; reads with readline, so inputs of any size run in bounded memory.
 */
import * as fs from "fs";
import * as readline from "readline";
import { sessionizeSqlPath } from "../../sql/inputSchema";
import {
  createReplay,
  defaultReplayStream,
  UnknownStreamError,
  type Replay,
} from "../emulator/replay";

const usage = `Usage: npm run replay -- [options]

Runs a Kinesis Data Analytics SQL application offline over recorded records and writes one
stream's rows to stdout as JSON lines, one object per row: keys in column order, TIMESTAMP as
'yyyy-MM-dd HH:mm:ss.SSS' (UTC), NULL as null, as the Lambda destination receives them.

Input lines: a bare event object (ROWTIME = its event_timestamp, else the previous ROWTIME), or
an envelope {"data": <object or base64 text>, "arrivalTime": <epoch ms>}; any other line becomes
an error_stream row. Blank lines are skipped. ROWTIME never decreases.

Options:
  --sql FILE        SQL application to run (default: sql/sessionize.sql of this package)
  --stream NAME     stream whose rows are written (default: ${defaultReplayStream});
                    also INTERMEDIATE_SQL_STREAM, error_stream, SOURCE_SQL_STREAM_001
  --input FILE|-    JSON-lines input; - reads stdin (default: -)
  --overflow MODE   VARCHAR/CHAR overflow on a pump's INSERT: error (the row goes to
                    error_stream) or truncate (default: error)
  --trim-char       trim the blank padding of CHAR values (default: off, padding kept as KDA
                    delivers it)
  --help            print this help and exit

Exit codes: 0 done; 1 the SQL cannot be loaded or a file cannot be read; 2 usage error
(an unknown option or stream name, a missing value).`;

interface CliOptions {
  sql: string;
  stream: string;
  input: string;
  overflow: "error" | "truncate";
  trimChar: boolean;
}

class UsageError extends Error {}

/** Parses the command line; "help" for --help. Throws `UsageError` naming the bad option. */
export function parseReplayArguments(argv: readonly string[]): CliOptions | "help" {
  const options: CliOptions = {
    sql: sessionizeSqlPath,
    stream: defaultReplayStream,
    input: "-",
    overflow: "error",
    trimChar: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case "--help":
      case "-h":
        return "help";
      case "--sql":
        options.sql = value();
        break;
      case "--stream":
        options.stream = value();
        break;
      case "--input":
        options.input = value();
        break;
      case "--overflow": {
        const mode = value();
        if (mode !== "error" && mode !== "truncate") {
          throw new UsageError(`--overflow must be error or truncate; got "${mode}"`);
        }
        options.overflow = mode;
        break;
      }
      case "--trim-char":
        options.trimChar = true;
        break;
      default:
        throw new UsageError(`Unknown option "${arg}"; see --help`);
    }
  }
  return options;
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
  let options: CliOptions | "help";
  try {
    options = parseReplayArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${usage}\n`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${usage}\n`);
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

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
