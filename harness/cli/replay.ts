/**
 * `npm run replay -- [--app NAME | --sql FILE [--input-schema FILE]] [--stream NAME] [--input FILE|- |
 * --from-stream NAME | --from-queue URL] [--engine harness|flink]`: runs a SQL
 * application over recorded records and prints one stream's rows as JSON lines. A thin shell over
 * the replay library (`harness/replay/`): the sources stream their input, so inputs of any size
 * run in bounded memory.
 */
import * as fs from "fs";
import { destinationStreamName } from "../../sql/contracts";
import { InputSchemaError } from "../../sql/kdaInputSchema";
import { deliveryJson, loadApplication, SqlLoadError, type SqlApplication } from "../emulator";
import { InputReadError } from "../replay/fileSource";
import { formatCounts, ReplayRun } from "../replay/replayRun";
import {
  anyText,
  createCommand,
  flag,
  helpParagraph,
  helpText,
  oneOf,
  parseCommand,
  runCli,
  UsageError,
  valueOption,
  type CliContext,
} from "./command";
import {
  addApplicationOptions,
  chooseApplication,
  type ApplicationArguments,
} from "./applicationOptions";
import { LineWriter } from "./lineWriter";
import { replayOnFlinkEngine } from "./replayFlink";
import {
  addReplayInputOptions,
  openReplaySource,
  type OpenedSource,
  type ReplayInputArguments,
} from "./replayInputOptions";

/** The options of `npm run replay`, as parsed. */
export interface ReplayArguments extends ReplayInputArguments, ApplicationArguments {
  readonly stream: string;
  readonly errors?: string;
  readonly overflow: "error" | "truncate";
  readonly trimChar: boolean;
  readonly engine: ReplayEngine;
}

/** What runs the SQL: the harness (the emulator), or Flink (the translated SQL in flink-runner). */
export const replayEngines = ["harness", "flink"] as const;
export type ReplayEngine = (typeof replayEngines)[number];

function replayCommand() {
  const command = createCommand(
    "npm run replay --",
    "Runs a Kinesis Data Analytics SQL application offline over recorded records and writes one " +
      "stream's rows to stdout as JSON lines, one object per row: keys in column order, TIMESTAMP " +
      "as 'yyyy-MM-dd HH:mm:ss.SSS' (UTC), NULL as null, as the Lambda destination receives them. " +
      "On stderr it prints the records read, the rows per stream and the errors by reason.\n\n" +
      'JSON lines: a bare event object (ROWTIME = its event_timestamp, else the previous ROWTIME), or an envelope {"data": <object or base64 text>, "arrivalTime": <epoch ms>}; any other line becomes an error_stream row. Lines end at \\n (a \\r before it is dropped); a byte-order mark is ignored; blank lines are skipped. get-records output and stream records take ApproximateArrivalTimestamp as ROWTIME, Firehose records their event_timestamp. ROWTIME never decreases.',
  ).addOption(
    valueOption(
      "--stream <NAME>",
      "stream whose rows are written; also INTERMEDIATE_SQL_STREAM, error_stream, SOURCE_SQL_STREAM_001",
      anyText,
      { value: destinationStreamName },
    ),
  );
  return addReplayInputOptions(addApplicationOptions(command))
    .optionsGroup("Engine:")
    .addOption(
      valueOption(
        "--engine <NAME>",
        "what runs the SQL: harness (the emulator) or flink (the SQL translated to Flink SQL, run by flink-runner in a local MiniCluster; needs Java 17 and Maven, reads the input whole, prints the same rows)",
        oneOf(replayEngines),
        { value: "harness" },
      ),
    )
    .optionsGroup("Output:")
    .addOption(
      valueOption(
        "--errors <FILE>",
        "also write every error_stream row to FILE as JSON lines, each with the input's line (or shard and sequence number) beside KDA's columns (engine harness only)",
        anyText,
        { text: "none" },
      ),
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
        "Exit codes: 0 done (also when the reader of stdout goes away, as with | head); 1 the SQL " +
          "cannot be loaded or the input cannot be read; 2 usage error (an unknown option or " +
          "stream name, a missing or bad value); 130/143 stopped by SIGINT/SIGTERM.",
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

/**
 * Loads the SQL with its input schema (exit 1 when either cannot be read) and checks the stream
 * name (a usage error).
 */
export function loadReplayApplication(
  options: ApplicationArguments & Pick<ReplayArguments, "stream" | "overflow">,
): { app: SqlApplication; sqlText: string } {
  const { sqlText, sqlPath, inputSchema } = chooseApplication(options);
  const app = loadApplication(sqlText, {
    sqlFile: sqlPath,
    inputSchema,
    overflow: options.overflow,
    includeSourceRows: options.stream === inputSchema.streamName,
  });
  if (!app.streams.has(options.stream)) {
    const known = [...app.streams.keys()].map((name) => `"${name}"`).join(", ");
    throw new UsageError(`Unknown stream "${options.stream}"; expected one of ${known}`);
  }
  return { app, sqlText };
}

async function main(argv: readonly string[], { signal }: CliContext): Promise<number> {
  const command = replayCommand();
  const options = parseCommand<ReplayArguments>(command, argv);
  if (options.help) {
    process.stdout.write(usage);
    return 0;
  }
  let warnings = 0;
  const onWarning = (warning: string): void => {
    if (warnings++ < maxWarnings) process.stderr.write(`replay: warning: ${warning}\n`);
  };
  if (options.engine === "flink" && options.errors !== undefined) {
    throw new UsageError(
      "--errors is harness-only: Flink's error_stream rows do not say which input record they came from; use --stream error_stream with --engine flink",
    );
  }
  let app: SqlApplication;
  let sqlText: string;
  let source: OpenedSource;
  try {
    ({ app, sqlText } = loadReplayApplication(options));
    source = await openReplaySource(options, command, signal, (warning) =>
      process.stderr.write(`replay: warning: ${warning}\n`),
    );
  } catch (error) {
    // The SQL's load error (with its position) or the unreadable file, as the one line.
    const oneLine =
      error instanceof SqlLoadError ||
      error instanceof InputSchemaError ||
      error instanceof SyntaxError ||
      isFileError(error);
    if (error instanceof UsageError || !oneLine) {
      throw error;
    }
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  if (options.engine === "flink") {
    const lines = await replayOnFlinkEngine({
      ...options,
      sqlText,
      app,
      source,
      signal,
      onWarning,
    });
    if (lines !== null) process.stderr.write(lines.map((line) => `replay: ${line}\n`).join(""));
    return 0;
  }
  const output = new LineWriter(process.stdout);
  const errors =
    options.errors === undefined ? undefined : new LineWriter(fs.createWriteStream(options.errors));
  const run = new ReplayRun({
    app,
    stream: options.stream,
    trimChar: options.trimChar,
    // Written straight from the row's values; a BIGINT beyond 2^53 with its exact digits.
    onRow: (json) => output.push(json),
    onError: errors && ((row) => errors.push(deliveryJson(row))),
    onOversized: onWarning,
  });
  try {
    for await (const batch of source.records()) {
      run.feed(batch);
      await output.flushIfFull();
      await errors?.flushIfFull();
      if (output.closed || signal.aborted) break;
    }
    await output.flush();
    await errors?.end();
  } finally {
    source.close();
  }
  if (output.closed) return 0;
  const lines = formatCounts(run.counts, source.description);
  if (options.errors !== undefined) {
    const written = Object.keys(run.counts.errorsByName).length > 0;
    lines[2] += written ? ` (written to ${options.errors})` : ` (${options.errors} is empty)`;
  }
  process.stderr.write(lines.map((line) => `replay: ${line}\n`).join(""));
  return 0;
}

function isFileError(error: unknown): boolean {
  return error instanceof InputReadError || (error as NodeJS.ErrnoException).syscall === "open";
}

/** Oversized records warned about one by one; the rest are counted. */
const maxWarnings = 5;

if (require.main === module) runCli("replay", main, { onSignal: "abort" });
