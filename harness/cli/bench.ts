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
      "on it, each in its own process; checks that every sessionizing peer emits the same " +
      "DESTINATION rows, prints events/s, peak RSS and the harness's ratios to each peer, and " +
      "writes harness/bench/results/latest.json and latest.md (latest-memory.* for --memory).",
  )
    .addOption(count("--events <N>", "events in the clickstream", 1_000_000))
    .addOption(count("--users <N>", "distinct users", 10_000))
    .addOption(count("--seed <N>", "generator seed", 1, 0))
    .addOption(
      count(
        "--repeat <N>",
        "runs per peer in the sessionize group; the fastest counts, so other load on the machine distorts less",
        3,
      ),
    )
    .addOption(count("--naive-prefix <N>", "events the quadratic naive-alasql peer runs on", 5000))
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
        "--memory",
        "run the memory scenario instead: events generated on the fly (never stored) through the harness, reporting its peak RSS",
      ),
    )
    .addOption(count("--memory-events <N>", "events of the memory scenario", 10_000_000))
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
  const reports = await runBench(run);
  return reports.some((report) => report.failures.length > 0) ? 1 : 0;
}

if (require.main === module) runCli("bench", main);
