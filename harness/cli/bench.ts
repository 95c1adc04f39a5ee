/**
 * `npm run bench`: the harness against its peers on one generated clickstream (the benchmark
 * itself is `harness/bench/runBench.ts`).
 */
import { peerNames, runBench, type BenchOptions } from "../bench/runBench";
import {
  anyText,
  createCommand,
  flag,
  helpText,
  integer,
  oneOf,
  parseCommand,
  repeatableOption,
  runCli,
  valueOption,
} from "./command";

function benchCommand() {
  const count = (flags: string, description: string, value: number, minimum = 1) =>
    valueOption(flags, description, integer(minimum), { value });
  return createCommand(
    "npm run bench --",
    "Generates one seeded clickstream (JSON lines, epoch-ms string timestamps) and runs every peer " +
      "on it as a whole, compiled process that reads the file and writes its rows, for two " +
      "scenarios (sql/sessionize.sql and harness/bench/sql/clicksPerMinute.sql); checks that every " +
      "peer's rows equal the handwritten loop's, prints events/s, peak RSS, the harness's ratios " +
      "and issue 12's targets, and writes harness/bench/results/latest.json and latest.md.",
  )
    .addOption(count("--events <N>", "events in the clickstream", 2_000_000))
    .addOption(count("--users <N>", "distinct users", 10_000))
    .addOption(count("--seed <N>", "generator seed", 1, 0))
    .addOption(
      count(
        "--repeat <N>",
        "runs per peer (the flink peer runs once); the fastest counts, so other load on the machine distorts less",
        3,
      ),
    )
    .addOption(count("--naive-prefix <N>", "events the quadratic naive-alasql peer runs on", 5000))
    .addOption(
      count(
        "--flink-prefix <N>",
        "events the flink peer runs on (its records are framed in memory, and it runs once)",
        500_000,
      ),
    )
    .addOption(
      count(
        "--lambda-prefix <N>",
        "events the lambda-engine peer (the sessionizer Lambda, its window state read and written in dynalite per batch of 100) runs on",
        2000,
      ),
    )
    .addOption(
      count(
        "--delivery-records <N>",
        "session rows the delivery peer writes, with the handler and with the lab's one-PutItem loop",
        3000,
      ),
    )
    .addOption(
      flag(
        "--no-memory",
        "skip the memory scenario (the compiled replay over events generated into its stdin: many users, then one user's many events)",
        "the memory scenario runs",
      ),
    )
    .addOption(
      count(
        "--memory-users <N>",
        "distinct users of the memory scenario's many-users run (twice as many events)",
        1_000_000,
      ),
    )
    .addOption(
      count("--memory-events <N>", "events of the memory scenario's one-user run", 10_000_000),
    )
    .addOption(
      repeatableOption(
        "--only <PEER>",
        `run only this peer (repeatable): ${peerNames.join(", ")}`,
        oneOf(peerNames),
        "every peer",
      ),
    )
    .addOption(
      valueOption(
        "--input <FILE>",
        "use this JSON-lines file of well-formed clicks instead of generating one",
        anyText,
        { text: "generate one" },
      ),
    )
    .addOption(flag("--no-write", "do not write harness/bench/results/"));
}

async function main(argv: readonly string[]): Promise<number> {
  const command = benchCommand();
  const { help, ...run } = parseCommand<BenchOptions>(command, argv);
  if (help) {
    process.stdout.write(helpText(command));
    return 0;
  }
  const { reports, markdown } = await runBench(run);
  process.stdout.write(`${markdown}\n`);
  const failed = reports.some((report) =>
    report.failures.some((failure) => !failure.error.startsWith("skipped:")),
  );
  return failed ? 1 : 0;
}

if (require.main === module) runCli("bench", main);
