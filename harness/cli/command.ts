/**
 * The conventions every CLI of this repository follows, on top of commander (one argument parser for
 * all of them, `docs/architecture.md`):
 * - `-h` / `--help` prints every option with its default (`(default: ...)`) and exits 0;
 * - an option's value may follow as `--x=y` or as `--x y`;
 * - an unknown option, a missing value or a bad value is a usage error: exit status 2 and one line
 *   on stderr naming the option, the value and what is allowed
 *   (`--events is "many"; expected an integer of at least 1`);
 * - any other failure exits 1 with one line, `<cli>: <cause>` (`errorLine`);
 * - `--json` prints only JSON on stdout; progress, headers and notes go to stderr, and only once the
 *   arguments are valid;
 * - SIGINT and SIGTERM stop the command cleanly with exit status 130 and 143 (`runCli`).
 */
import { Command, CommanderError, Help, Option } from "commander";

/** Thrown for a bad command line; `runCli` prints its message as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What an option's value may be: a phrase for messages, and the parse of its text. */
export interface ValueType<T> {
  /** Completes "expected ...": `an integer of at least 1`. */
  readonly expected: string;
  /** The value, or undefined when the text is not one. */
  parse(text: string): T | undefined;
}

/** An integer of at least `minimum` (`--events 300`). */
export function integer(minimum = 0): ValueType<number> {
  return {
    expected: `an integer of at least ${minimum}`,
    parse(text) {
      const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
      return Number.isSafeInteger(value) && value >= minimum ? value : undefined;
    },
  };
}

/** A comma-separated list of non-empty values (`--users a,b`). */
export const commaList: ValueType<string[]> = {
  expected: "a comma-separated list of non-empty values",
  parse(text) {
    const items = text.split(",").map((item) => item.trim());
    return items.some((item) => item === "") ? undefined : items;
  },
};

/** A point in time as epoch milliseconds or an ISO-8601 date-time (`2026-01-01T00:00:00Z`). */
export const pointInTime: ValueType<number> = {
  expected: "epoch milliseconds or an ISO-8601 date-time",
  parse(text) {
    const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  },
};

/** One of a fixed set of words (`--engine lambda`). */
export function oneOf<T extends string>(values: readonly T[]): ValueType<T> {
  return {
    expected: values.length > 2 ? `one of ${listed(values)}` : listed(values),
    parse: (text) => values.find((value) => value === text),
  };
}

/** `a, b or c`. */
function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(", ")} or ${items.at(-1)}` : items[0];
}

/** Text matching `pattern` (`expected` says what that is, in words). */
export function matching(pattern: RegExp, expected: string): ValueType<string> {
  return { expected, parse: (text) => (pattern.test(text) ? text : undefined) };
}

/** Any text: a file name, a stream name, an endpoint. */
export const anyText: ValueType<string> = { expected: "a value", parse: (text) => text };

/** The default an option shows in `--help`: its value, and the words for it when they differ. */
export interface OptionDefault<T> {
  readonly value?: T;
  /** Shown as `(default: <text>)`; without it, the value is shown. */
  readonly text?: string;
}

/**
 * An option with a value (`--events <N>`), parsed by `type`; a bad value is a `UsageError` naming
 * the option, the value and `type.expected`.
 */
export function valueOption<T>(
  flags: string,
  description: string,
  type: ValueType<T>,
  defaults: OptionDefault<T> = {},
): Option {
  const option = new Option(flags, description);
  const name = option.long ?? option.short;
  option.argParser((text: string) => parseValue(name, text, type));
  if (defaults.value !== undefined || defaults.text !== undefined) {
    option.default(defaults.value, defaults.text ?? String(defaults.value));
  }
  return option;
}

/** An option that may be given several times (`--only a --only b`); its value is the list. */
export function repeatableOption<T>(
  flags: string,
  description: string,
  type: ValueType<T>,
  defaultText: string,
): Option {
  const option = new Option(flags, description);
  const name = option.long ?? option.short;
  option.argParser((text: string, previous: T[]) => [...previous, parseValue(name, text, type)]);
  return option.default([], defaultText);
}

/**
 * A switch (`--json`, or `--no-write` for one that turns something off); off unless given, which
 * `--help` shows as `defaultText`.
 */
export function flag(flags: string, description: string, defaultText = "off"): Option {
  const option = new Option(flags, description);
  return option.default(!!option.negate, defaultText);
}

function parseValue<T>(name: string | undefined, text: string, type: ValueType<T>): T {
  const value = type.parse(text);
  if (value === undefined) {
    throw new UsageError(`${name} is ${JSON.stringify(text)}; expected ${type.expected}`);
  }
  return value;
}

/** Help lines this wide, whatever the terminal: the README quotes them. */
const helpWidth = 100;

/**
 * A command that follows the conventions: `invocation` is how the user runs it (`npm start --`),
 * `summary` the paragraph under the usage line. Add options with `addOption` (and `optionsGroup`
 * for headings), then use `parseCommand` and `helpText`; the help option is added last.
 */
export function createCommand(invocation: string, summary: string): Command {
  return new Command(invocation)
    .usage("[options]")
    .description(summary)
    .helpOption(false)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .configureHelp({
      helpWidth,
      optionTerm: (option) => optionTerm(option, true),
      optionDescription: (option) =>
        option.defaultValueDescription === undefined
          ? option.description
          : `${option.description} (default: ${option.defaultValueDescription})`,
    });
}

/** `--stack NAME` for `--stack <NAME>`; with `withShort`, `-h, --help` as declared. */
function optionTerm(option: Option, withShort: boolean): string {
  const flags = withShort ? option.flags : option.flags.replace(/^-\w,\s*/, "");
  return flags.replace(/<([^>]+)>/g, "$1");
}

function ensureHelpOption(command: Command): void {
  if (!command.options.some((option) => option.long === "--help")) {
    command.addOption(new Option("-h, --help", "print this help and exit"));
  }
}

/**
 * Parses `argv` (the arguments after the script) into the command's option values, with
 * `help: true` when `-h` or `--help` was given. Throws `UsageError` for a bad command line.
 */
export function parseCommand<T extends object>(
  command: Command,
  argv: readonly string[],
): T & { readonly help: boolean } {
  ensureHelpOption(command);
  try {
    command.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) throw usageError(command, error);
    throw error;
  }
  const values = command.opts() as T & { help?: boolean };
  return { ...values, help: values.help === true };
}

/**
 * The `--help` text: usage, summary, every option with its default, then the text added with
 * `addHelpText("after", ...)`.
 */
export function helpText(command: Command): string {
  ensureHelpOption(command);
  let text = "";
  command.configureOutput({ writeOut: (chunk) => (text += chunk) });
  try {
    command.outputHelp();
  } finally {
    command.configureOutput({ writeOut: () => {} });
  }
  return text;
}

/** A paragraph for after the options in `--help`, wrapped at the help width. */
export function helpParagraph(text: string): string {
  return `\n${new Help().boxWrap(text, helpWidth)}\n`;
}

/**
 * A heading and a two-column list laid out as the options are (`  kda-sql  the harness ...`),
 * wrapped at the help width: for an epilog that explains an option's values.
 */
export function definitionList(
  heading: string,
  items: readonly (readonly [string, string])[],
): string {
  const help = new Help();
  help.helpWidth = helpWidth;
  const termWidth = Math.max(...items.map(([term]) => term.length));
  const lines = items.map(([term, text]) => help.formatItem(term, termWidth, text, help));
  return ["", heading, ...lines].join("\n") + "\n";
}

/** Turns commander's error into ours, naming the option and what is allowed. */
function usageError(command: Command, error: CommanderError): UsageError {
  const expected = expectedOptions(command);
  switch (error.code) {
    case "commander.unknownOption": {
      const given = /'([^']*)'/.exec(error.message)?.[1] ?? "";
      const [name, ...value] = given.split("=");
      const known = command.options.find((option) => option.long === name);
      if (known !== undefined && value.length > 0) {
        return new UsageError(`${name} takes no value; got ${JSON.stringify(given)}`);
      }
      const similar = /Did you mean (\S+)\?/.exec(error.message)?.[1];
      return new UsageError(
        `Unknown option ${JSON.stringify(given)}; expected ${expected}` +
          (similar === undefined ? "" : `; did you mean ${similar}?`),
      );
    }
    case "commander.optionMissingArgument": {
      const flags = /'([^']*)'/.exec(error.message)?.[1] ?? "";
      const option = command.options.find((candidate) => candidate.flags === flags);
      const term = option === undefined ? flags : optionTerm(option, false);
      return new UsageError(`${term.split(" ")[0]} needs a value; expected ${term}`);
    }
    case "commander.excessArguments": {
      const extra = command.args[command.registeredArguments.length];
      return new UsageError(`Unknown argument ${JSON.stringify(extra)}; expected ${expected}`);
    }
    case "commander.conflictingOption": {
      // "error: option '--partition-key <KEY>' cannot be used with option '--out <FILE>'"
      const [given, other] = [...error.message.matchAll(/'(-[^' ]+)/g)].map((m) => m[1]);
      return new UsageError(`${given} cannot be used with ${other}`);
    }
    default:
      return new UsageError(error.message.replace(/^error: /, ""));
  }
}

/** `--stack NAME, --json, --diff BASE.json or --help`: the command's options, for messages. */
function expectedOptions(command: Command): string {
  return listed(command.options.map((option) => optionTerm(option, false)));
}

/** What `runCli` hands a CLI's `main` besides its arguments. */
export interface CliContext {
  /**
   * Aborted when SIGINT or SIGTERM arrives, for a CLI run with `onSignal: "abort"`: `main` then
   * stops what it started (emulators, servers, files) and returns; the exit status is 130 or 143.
   */
  readonly signal: AbortSignal;
}

/** How a CLI reacts to SIGINT and SIGTERM. */
export interface CliOptions {
  /**
   * `exit` (the default, for a CLI that holds nothing worth stopping): exit at once with 130 or 143.
   * `abort`: abort `CliContext.signal` and exit with 130 or 143 once `main` has cleaned up and
   * returned; a second signal, or `main` still running after `stopGraceMs`, exits at once.
   */
  readonly onSignal?: "exit" | "abort";
  readonly stopGraceMs?: number;
}

/** The exit status of a process stopped by a signal, as a shell reports it: 128 + its number. */
export const signalExitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof signalExitCodes;

/**
 * Runs a CLI's `main` with the process's arguments and sets the exit status: what `main` returns
 * (0 when nothing), 2 with the message for a `UsageError`, 1 with `<name>: <one line>` otherwise
 * (`errorLine`: no stack trace, an AWS SDK error explained). SIGINT and SIGTERM end the run with
 * 130 and 143 (`CliOptions.onSignal`). The AWS SDK's warning about this machine's Node version is
 * turned off for the process and its children: it is about the machine, not the run, and would
 * break the one-line rule.
 */
export function runCli(
  name: string,
  main: (argv: readonly string[], context: CliContext) => Promise<number | void>,
  options: CliOptions = {},
): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const controller = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const stop = (signal: StopSignal): void => {
    if (stoppedBy !== undefined || options.onSignal !== "abort") {
      process.exit(signalExitCodes[stoppedBy ?? signal]);
    }
    stoppedBy = signal;
    process.stderr.write(`${name}: stopping (${signal})\n`);
    controller.abort(new CliStopped(signal));
    setTimeout(() => process.exit(signalExitCodes[signal]), options.stopGraceMs ?? 10_000).unref();
  };
  for (const signal of Object.keys(signalExitCodes) as StopSignal[]) process.on(signal, stop);

  const finish = (code: number): void => {
    if (stoppedBy === undefined) {
      process.exitCode = code;
      return;
    }
    // Stopped: whatever main left behind (timers, sockets it was told to drop) must not keep it up.
    process.exit(signalExitCodes[stoppedBy]);
  };
  main(process.argv.slice(2), { signal: controller.signal }).then(
    (code) => finish(code ?? 0),
    (error: unknown) => {
      if (stoppedBy !== undefined) return finish(1);
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n`);
        return finish(2);
      }
      process.stderr.write(`${name}: ${errorLine(error)}\n`);
      finish(1);
    },
  );
}

/** The reason of `CliContext.signal` once a signal has arrived. */
export class CliStopped extends Error {
  override readonly name = "CliStopped";
  constructor(readonly signal: string) {
    super(`stopped by ${signal}`);
  }
}

/**
 * An error as one line naming its cause: the message, its lines joined; an AWS service's error led
 * by its name (`ResourceNotFoundException: Stream s under account 1 not found.`), and the SDK's
 * errors about a missing region or missing credentials said with the fix.
 */
export function errorLine(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  const explained = explainAwsError(error);
  if (explained !== undefined) return explained;
  const message = oneLine(error.message);
  const fromService = "$metadata" in error && !message.startsWith(error.name);
  return fromService ? `${error.name}: ${message}` : message;
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

/** The AWS SDK's errors that a user fixes in the environment, said with the fix. */
function explainAwsError(error: Error): string | undefined {
  if (/^Region is missing/.test(error.message)) {
    return "no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)";
  }
  if (error.name === "CredentialsProviderError") {
    return (
      "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
      `(${oneLine(error.message)})`
    );
  }
  if (error.name === "UnrecognizedClientException" || error.name === "ExpiredTokenException") {
    return `AWS refused the credentials: ${error.name}: ${oneLine(error.message)}`;
  }
  return undefined;
}
