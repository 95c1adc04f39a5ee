/**
 * `npm run report -- --input FILE`: the HTML report of any replay input, as `npm start` writes for
 * its run. Replays the records through sql/sessionize.sql (the replay library, any input format or
 * a live stream), gathers the report's facts from the rows, and writes one self-contained file.
 */
import * as fs from "fs";
import * as path from "path";
import { destinationStreamName } from "../../sql/contracts";
import { readSessionizeSql } from "../../sql/inputSchema";
import { loadApplication } from "../emulator";
import { renderReport, type Total } from "../report/renderReport";
import { ReportCollector, type ReportFacts } from "../report/reportFacts";
import { formatCounts, ReplayRun } from "../replay/replayRun";
import {
  anyText,
  commaList,
  createCommand,
  flag,
  helpText,
  integer,
  parseCommand,
  runCli,
  valueOption,
  type CliContext,
} from "./command";
import {
  addReplayInputOptions,
  openReplaySource,
  type ReplayInputArguments,
} from "./replayInputOptions";

interface ReportArguments extends ReplayInputArguments {
  readonly output: string;
  readonly users?: string[];
  readonly top: number;
  readonly json: boolean;
}

const defaultOutput = path.join("out", "report.html");

function reportCommand() {
  const command = createCommand(
    "npm run report --",
    "Replays recorded records through sql/sessionize.sql and writes the report npm start writes for " +
      "its run: one self-contained HTML file with the totals, sessions over time, sessions per user, " +
      "session length, the gaps around the 10 s threshold, dead letters by reason, and zoomable " +
      "timelines of a few users. Prints the replay's counts on stderr.",
  );
  return addReplayInputOptions(command)
    .optionsGroup("Report:")
    .addOption(
      valueOption("--output <PATH>", "HTML file to write", anyText, { value: defaultOutput }),
    )
    .addOption(
      valueOption("--users <LIST>", "comma-separated users whose timelines to draw", commaList, {
        text: "the --top users with the most events",
      }),
    )
    .addOption(
      valueOption("--top <N>", "timelines of this many users, most events first", integer(0), {
        value: 10,
      }),
    )
    .addOption(
      flag("--json", "print the totals and the report's path as one JSON object on stdout"),
    );
}

/** The totals of a replay's report, as the page shows them and `--json` prints them. */
export function replayTotals(facts: ReportFacts): Total[] {
  return [
    { key: "events", label: "records read", value: facts.records },
    { key: "users", label: "users", value: facts.users },
    {
      key: "sessionRows",
      label: "session rows",
      value: facts.sessionRows,
      note: `on ${destinationStreamName}`,
    },
    { key: "distinctSessions", label: "distinct session ids", value: facts.distinctSessions },
    { key: "errorRows", label: "error_stream rows", value: facts.errorRows },
    {
      key: "rejectedRows",
      label: "session rows without session_id",
      value: facts.rejectedRows,
      note: "the delivery refuses them: dead letters",
    },
    {
      key: "missingTimestamps",
      label: "records without event_timestamp",
      value: facts.missingTimestamps,
    },
  ];
}

async function main(argv: readonly string[], { signal }: CliContext): Promise<number> {
  const command = reportCommand();
  const options = parseCommand<ReportArguments>(command, argv);
  if (options.help) {
    process.stdout.write(helpText(command));
    return 0;
  }
  const app = loadApplication(readSessionizeSql(), { includeSourceRows: true });
  const source = await openReplaySource(options, command, signal, (warning) =>
    process.stderr.write(`report: warning: ${warning}\n`),
  );
  const collector = new ReportCollector(app.streams);
  const run = new ReplayRun({
    app,
    stream: destinationStreamName,
    onRecordRows: (rows) => collector.add(rows),
  });
  try {
    for await (const batch of source.records()) {
      run.feed(batch);
      if (signal.aborted) return 1;
    }
  } finally {
    source.close();
  }
  process.stderr.write(
    formatCounts(run.counts, source.description)
      .map((line) => `report: ${line}\n`)
      .join(""),
  );
  const facts = collector.finish({ users: options.users, top: options.top });
  const totals = replayTotals(facts);
  const html = renderReport({
    title: "Replay report",
    source: `${options.fromStream ?? (options.input === "-" ? "stdin" : path.basename(options.input))} (${source.description})`,
    generatedAt: new Date(),
    totals,
    facts,
  });
  const reportPath = path.resolve(options.output);
  fs.mkdirSync(path.dirname(reportPath), { recursive: true });
  fs.writeFileSync(reportPath, html);
  const bytes = Buffer.byteLength(html);
  process.stderr.write(`report: ${reportPath} (${(bytes / 1e6).toFixed(2)} MB)\n`);
  if (options.json) {
    const values = Object.fromEntries(totals.map((total) => [total.key, total.value]));
    process.stdout.write(`${JSON.stringify({ ...values, reportPath, bytes })}\n`);
  }
  return 0;
}

if (require.main === module) runCli("report", main, { onSignal: "abort" });
