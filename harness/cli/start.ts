/**
 * `npm start`: the whole pipeline on this machine, no AWS account and no network. Clicks go onto a
 * kinesalite stream, through the engine that runs the SQL, into dynalite tables; then it prints the
 * sessions, a reconciled summary and writes an HTML report. With `--json`, stdout is one JSON
 * object and nothing else; the header and progress always go to stderr. SIGINT or SIGTERM stops
 * the emulators and exits 130 or 143.
 */
import * as fs from "fs";
import * as path from "path";
import {
  defaultSqlApplication,
  sqlApplicationNames,
  readApplicationSql,
  sqlApplications,
  type SqlApplicationName,
} from "../../sql/applications";
import type { SessionItem } from "../../sql/contracts";
import { defaultEngine, engines, pipelineEngines, type PipelineEngine } from "../local/engines";
import { defaultLocalShards, localAws, localNames } from "../local/localStack";
import { runLocalPipeline, type LocalPipelineResult } from "../local/pipeline";
import { formatSummary } from "../local/summary";
import { clickFacts, pipelineReportPage } from "../report/pipelineReport";
import { renderReport } from "../report/renderReport";
import { resolveClickStream, type ClickStreamSettings } from "../simulator/clickStreamConfig";
import { userIdPartitionKey } from "../simulator/sinks";
import { clickStreamOptions } from "./clickStreamOptions";
import {
  anyText,
  createCommand,
  definitionList,
  flag,
  helpText,
  integer,
  oneOf,
  parseCommand,
  runCli,
  UsageError,
  valueOption,
  type CliContext,
} from "./command";
import { progressBar, type Progress } from "./progressBar";
import { elide, formatTable } from "./textTable";

const defaultReport = path.join("out", "local-run.html");

/** The options of `npm start`, as parsed. */
interface StartOptions extends ClickStreamSettings {
  readonly realtime: boolean;
  readonly partitionKey: string;
  readonly shards: number;
  readonly engine: PipelineEngine;
  readonly app: SqlApplicationName;
  readonly batchSize: number;
  readonly deliveryInterval: number;
  readonly chaos: boolean;
  readonly chaosSeed?: number;
  readonly rows: number;
  readonly report: string;
  readonly json: boolean;
  readonly keep: boolean;
}

function startCommand() {
  const command = createCommand(
    "npm start --",
    "Runs the pipeline on this machine: the click simulator -> a kinesalite stream -> the engine " +
      "that runs the SQL application -> dynalite tables. Prints the sessions read back from the " +
      "table and a summary that must reconcile (exit 1 otherwise), and writes an HTML report.",
  );
  command.optionsGroup("Clicks:");
  for (const option of clickStreamOptions({
    description: "sleep 2 s / 15 s like the lab",
    default: "compressed time",
  })) {
    command.addOption(option);
  }
  return command
    .addOption(
      valueOption(
        "--partition-key <KEY>",
        `"${userIdPartitionKey}" keys each click by its user; anything else is a constant key such as 1`,
        anyText,
        { value: userIdPartitionKey },
      ),
    )
    .addOption(
      valueOption("--shards <N>", "shards of the local stream, as a deployed stack", integer(1), {
        value: defaultLocalShards,
      }),
    )
    .optionsGroup("Pipeline:")
    .addOption(
      valueOption(
        "--engine <NAME>",
        "what runs the SQL, as the stack config key engine (see Engines below)",
        oneOf(pipelineEngines),
        { value: defaultEngine },
      ),
    )
    .addOption(
      valueOption(
        "--app <NAME>",
        "the SQL application, as the stack config key sqlApplication (see Applications below)",
        oneOf(sqlApplicationNames),
        { value: defaultSqlApplication },
      ),
    )
    .addOption(
      valueOption(
        "--batch-size <N>",
        "records per sessionizer batch with --engine lambda",
        integer(1),
        {
          value: 100,
        },
      ),
    )
    .addOption(
      valueOption(
        "--delivery-interval <MS>",
        "time between Lambda deliveries, as KDA",
        integer(1),
        {
          value: 1000,
        },
      ),
    )
    .addOption(flag("--chaos", "inject Lambda delivery failures and a 3 s DynamoDB outage mid-run"))
    .addOption(
      valueOption("--chaos-seed <N>", "seed of the injected failures", integer(0), {
        text: "the click seed",
      }),
    )
    .optionsGroup("Output:")
    .addOption(
      valueOption("--rows <N>", "session rows to print, 0 = all", integer(0), { value: 20 }),
    )
    .addOption(
      valueOption("--report <PATH>", "HTML report path", anyText, { value: defaultReport }),
    )
    .addOption(
      flag(
        "--json",
        "print only one JSON object on stdout: the summary, the first --rows sessions and the report's path",
      ),
    )
    .addOption(
      flag("--keep", "leave the emulators running, print their endpoints and AWS CLI examples"),
    )
    .addHelpText(
      "after",
      definitionList(
        "Engines:",
        pipelineEngines.map((name) => [name, engines[name].description] as const),
      ) +
        definitionList(
          "Applications:",
          sqlApplicationNames.map((name) => [name, sqlApplications[name].description] as const),
        ),
    );
}

async function main(argv: readonly string[], { signal }: CliContext): Promise<number> {
  const command = startCommand();
  const options = parseCommand<StartOptions>(command, argv);
  if (options.help) {
    process.stdout.write(helpText(command));
    return 0;
  }
  if (options.engine === "flink" && options.chaos) {
    throw new UsageError(
      "--chaos needs --engine lambda or kda-sql: engine flink writes the tables itself, with no Lambda deliveries to fail",
    );
  }
  const clicks = resolveClickStream(options);
  const chaosSeed = options.chaosSeed ?? clicks.seed;

  process.stderr.write(
    `Local pipeline (engine ${options.engine}, application ${options.app}): ${clicks.count} clicks, seed ${clicks.seed}, ${options.realtime ? "real time" : "compressed time"}${options.chaos ? `, chaos (seed ${chaosSeed})` : ""}\n`,
  );
  const bars: Partial<Record<"send" | "deliver", Progress>> = {};
  const result = await runLocalPipeline({
    clicks,
    realtime: options.realtime,
    partitionKey: options.partitionKey,
    shards: options.shards,
    engine: options.engine,
    app: options.app,
    batchSize: options.batchSize,
    deliveryIntervalMs: options.deliveryInterval,
    chaos: options.chaos ? { seed: chaosSeed } : undefined,
    keep: options.keep,
    signal,
    onProgress: (event) => {
      if (event.phase === "outage") {
        process.stderr.write(`${event.down ? "\nDynamoDB outage begins" : "DynamoDB is back"}\n`);
        return;
      }
      if (event.phase === "deliver") bars.send?.finish();
      const label = event.phase === "send" ? "clicks sent   " : "rows delivered";
      (bars[event.phase] ??= progressBar(label, event.total)).update(event.done, event.total);
    },
  });
  bars.deliver?.finish();

  const reportPath = path.resolve(options.report);
  fs.mkdirSync(path.dirname(reportPath), { recursive: true });
  const facts = clickFacts(
    result.clicks,
    {},
    readApplicationSql(result.app),
    sqlApplications[result.app].inputSchema,
  );
  fs.writeFileSync(
    reportPath,
    renderReport(
      pipelineReportPage(result.summary, facts, `${options.engine}, application ${result.app}`),
    ),
  );
  const chaos = result.chaos
    ? `chaos: ${result.chaos.refusedInvocations} invocations refused, ${result.chaos.lostResponses} responses lost, ${result.chaos.droppedAnswers} answers dropped, ${result.chaos.outages} DynamoDB outage(s)`
    : undefined;
  if (options.json) {
    const sessions = options.rows === 0 ? result.sessions : result.sessions.slice(0, options.rows);
    const json = {
      ...result.summary,
      missingTimestamps: facts.missingTimestamps,
      chaos: result.chaos,
      sessions,
      reportPath,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else {
    printSessions(result, options.rows);
    process.stdout.write(`\nSummary\n${formatSummary(result.summary)}\n`);
    if (chaos !== undefined) process.stdout.write(`${chaos}\n`);
    process.stdout.write(`\nReport: ${reportPath}\n`);
  }
  if (options.keep) await keepRunning(result, signal);
  return result.summary.reconciled ? 0 : 1;
}

function printSessions(result: LocalPipelineResult, limit: number): void {
  const rows = result.sessions.map((s) => [String(s.user_id ?? ""), s.session_id, sessionStart(s)]);
  const shown = elide(rows, limit, (hidden) => ["...", `(${hidden} more, all in the report)`, ""]);
  process.stdout.write(
    `\nSessions in ${localNames.sessionsTable} (${result.sessions.length} items)\n${formatTable(["user_id", "session_id", "session start"], shown)}\n`,
  );
}

/** Leaves the emulators up until SIGINT or SIGTERM, saying on stderr how to reach them. */
async function keepRunning(result: LocalPipelineResult, signal: AbortSignal): Promise<void> {
  const { kinesis, dynamodb } = result.endpoints;
  const cli = (endpoint: string) =>
    `AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region ${localAws.region} --endpoint-url ${endpoint}`;
  process.stderr.write(`
Emulators left running; Ctrl-C (or SIGTERM) stops them.
  Kinesis   ${kinesis}  stream ${localNames.stream}
  DynamoDB  ${dynamodb}  tables ${result.tables.join(", ")}
Inspect them with the AWS CLI (any credentials work):
  ${cli(kinesis)} kinesis describe-stream-summary --stream-name ${localNames.stream}
  ${cli(dynamodb)} dynamodb scan --table-name ${localNames.sessionsTable} --max-items 5
  ${cli(dynamodb)} dynamodb scan --table-name ${localNames.deadLetterTable} --select COUNT
Send more clicks (they stay in the stream; the application is stopped):
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local npm run simulate -- --endpoint ${kinesis} --region ${localAws.region} --stream ${localNames.stream} --events 60
`);
  if (!signal.aborted) {
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
  }
  await result.close();
}

if (require.main === module) runCli("start", main, { onSignal: "abort" });

/**
 * When a session started, as its item says: the product's `session_start` (full UTC time) or the
 * lab's `session_time` (clock time only).
 */
function sessionStart(item: SessionItem): string {
  return String(item.session_start ?? item.session_time ?? "");
}
