/**
 * The contract between the bench runner (`harness/bench/runBench.ts`) and its peers. A peer is a
 * script `harness/bench/peers/<name>.ts` that the runner starts in its own child process (so peak
 * memory is the peer's alone). It takes options such as `--input FILE` and `--limit N`, does its
 * work, and prints one JSON line per result:
 * `{"peer":"harness","items":1000000,"unit":"events","seconds":0.8,"maxRssMB":95,"outputRows":61234,"outputDigest":"9f2c..."}`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import { Command, InvalidArgumentError, Option } from "commander";

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
  /** `rowsDigest` of those rows: equal digests, equal rows. */
  readonly outputDigest?: string;
  readonly note?: string;
}

/**
 * A DESTINATION_SQL_STREAM row in delivery form: user_id (CHAR(7), blank-padded), session_id,
 * session_time, latest_time.
 */
export type DestinationRow = readonly (string | null)[];

/**
 * A fingerprint of a set of rows, whatever their order (several shards deliver in parallel): the
 * SHA-256 of their JSON texts, sorted, one per line.
 */
export function rowsDigest(rows: readonly DestinationRow[]): string {
  const lines = rows.map((row) => JSON.stringify(row)).sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}

const dayMs = 86_400_000;
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** TIMESTAMP_TO_CHAR('HH:mm:ss', ...) of epoch ms, in UTC. */
export function clockTime(epochMs: number): string {
  const seconds = Math.floor((((epochMs % dayMs) + dayMs) % dayMs) / 1000);
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

/**
 * The DESTINATION row of a click that starts a session, for the peers that find the session starts
 * without the harness: pump 2 names the session by the user, the device and the start's time.
 *
 * @example sessionStartRow("u1", "mobile", 1654000000000) // -> ["u1     ", "u1_mobile_12:26:40", "12:26:40", "12:26:40"]
 */
export function sessionStartRow(
  userId: string,
  deviceType: string,
  epochMs: number,
): DestinationRow {
  const time = clockTime(epochMs);
  return [userId.padEnd(7, " "), `${userId}_${deviceType}_${time}`, time, time];
}

/**
 * Writes a whole-process peer's output rows to stdout as JSON lines, in chunks (the runner points
 * stdout at a file, and reads the rows back to check them against the other peers').
 */
export class RowWriter {
  private readonly pending: string[] = [];

  write(row: object): void {
    this.pending.push(JSON.stringify(row));
    if (this.pending.length >= 4096) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    fs.writeSync(1, this.pending.join("\n") + "\n");
    this.pending.length = 0;
  }
}

/** The bench's scenarios: the lab's SQL, and per-user aggregates over a one-minute RANGE. */
export const scenarioNames = ["sessionize", "clicks-per-minute"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** Options every sessionizing peer understands; a peer ignores the ones it has no use for. */
export interface PeerOptions {
  /** JSON-lines file of click records. */
  readonly input?: string;
  /** Read at most this many lines of `input`. */
  readonly limit: number;
  /** Generate this many events on the fly instead of reading `input`. */
  readonly generate?: number;
  readonly users: number;
  readonly seed: number;
  readonly scenario: ScenarioName;
}

/** A whole number of at least `minimum`, as a commander value parser. */
export function count(minimum: number): (text: string) => number {
  return (text) => {
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new InvalidArgumentError(`expected a whole number of at least ${minimum}`);
    }
    return value;
  };
}

function scenario(text: string): ScenarioName {
  if (!(scenarioNames as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`expected one of ${scenarioNames.join(", ")}`);
  }
  return text as ScenarioName;
}

/**
 * Parses a peer's command line (`--input FILE --limit N --generate N --users N --seed N`, and the
 * peer's own `options`). The runner builds these lines, so a bad one is the runner's bug: it
 * throws, and the peer exits 1.
 */
export function parsePeerOptions<Own extends object = object>(
  options: readonly Option[] = [],
  argv: readonly string[] = process.argv.slice(2),
): PeerOptions & Own {
  const command = new Command()
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .allowExcessArguments(false)
    .option("--input <FILE>")
    .option("--limit <N>", "", count(0), Infinity)
    .option("--generate <N>", "", count(0))
    .option("--users <N>", "", count(1), 10_000)
    .option("--seed <N>", "", count(0), 1)
    .option("--scenario <NAME>", "", scenario, "sessionize");
  for (const option of options) command.addOption(option);
  return command.parse([...argv], { from: "user" }).opts<PeerOptions & Own>();
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

/** Prints the result of a sessionizing peer: `rows` are its DESTINATION rows, counted and digested. */
export function reportRows(
  result: Omit<PeerResult, "maxRssMB" | "unit" | "outputRows" | "outputDigest">,
  rows: readonly DestinationRow[],
): void {
  reportResult({
    ...result,
    unit: "events",
    outputRows: rows.length,
    outputDigest: rowsDigest(rows),
  });
}

/** The input file, or a clear error naming the missing option. */
export function requireInput(options: PeerOptions): string {
  if (options.input === undefined) throw new Error("--input FILE is required for this peer");
  return options.input;
}
