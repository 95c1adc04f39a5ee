/**
 * The contract between `harness/bench/run.ts` and its peers. A peer is a script `harness/bench/peers/<name>.ts` that
 * the runner starts in its own child process (so peak memory is the peer's alone). It takes options
 * such as `--input FILE` and `--limit N`, does its work, and prints one JSON line per result:
 * `{"peer":"harness","items":1000000,"unit":"events","seconds":0.8,"maxRssMB":95,"outputRows":61234}`.
 */
import { parseArgs } from "util";

/** One measurement, as a peer prints it. */
export interface PeerResult {
  readonly peer: string;
  readonly items: number;
  readonly unit: "events" | "records";
  readonly seconds: number;
  /** Peak resident set size of the peer's process, in MiB. */
  readonly maxRssMB: number;
  /** Rows the peer produced (DESTINATION_SQL_STREAM rows for the sessionizers). */
  readonly outputRows?: number;
  readonly note?: string;
}

/** Options every peer understands; a peer ignores the ones it has no use for. */
export interface PeerOptions {
  /** JSON-lines file of click records. */
  readonly input?: string;
  /** Read at most this many lines of `input`. */
  readonly limit: number;
  /** Generate this many events on the fly instead of reading `input`. */
  readonly generate?: number;
  readonly users: number;
  readonly seed: number;
}

/** Parses a peer's command line (`--input FILE --limit N --generate N --users N --seed N`). */
export function parsePeerOptions(argv: readonly string[] = process.argv.slice(2)): PeerOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      input: { type: "string" },
      limit: { type: "string" },
      generate: { type: "string" },
      users: { type: "string", default: "10000" },
      seed: { type: "string", default: "1" },
    },
  });
  const count = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(`--${name} "${text}" is not a count; expected a whole number >= 0`);
    }
    return value;
  };
  return {
    input: values.input,
    limit: count("limit", values.limit) ?? Infinity,
    generate: count("generate", values.generate),
    users: count("users", values.users) ?? 10000,
    seed: count("seed", values.seed) ?? 1,
  };
}

/** Seconds elapsed since `startNs` (from `process.hrtime.bigint()`). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** Prints one result line, adding the process's peak RSS so far. */
export function reportResult(result: Omit<PeerResult, "maxRssMB">): void {
  const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ ...result, maxRssMB }));
}

/** The input file, or a clear error naming the missing option. */
export function requireInput(options: PeerOptions): string {
  if (options.input === undefined) throw new Error("--input FILE is required for this peer");
  return options.input;
}
