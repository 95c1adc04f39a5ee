/**
 * `npm start`: the whole pipeline on this machine, no AWS account and no network. Clicks go onto a
 * kinesalite stream, through the SQL harness, to the real delivery Lambda, into dynalite tables;
 * then it prints the sessions, a reconciled summary and writes an HTML report.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { localAws } from "../local/emulators";
import {
  defaultLocalShards,
  localNames,
  pipelineEngines,
  runLocalPipeline,
  type LocalPipelineResult,
  type PipelineEngine,
} from "../local/pipeline";
import { renderReport } from "../local/report";
import { formatSummary } from "../local/summary";
import { elide, formatTable } from "../local/textTable";
import {
  clickStreamArgSpec,
  clickStreamHelp,
  resolveClickStream,
} from "../simulator/clickStreamConfig";
import { userIdPartitionKey } from "../simulator/sinks";
import { UsageError, integerOption } from "./optionValues";
import { progressBar, type Progress } from "./progressBar";

const defaultReport = path.join("out", "local-run.html");

const help = `Usage: npm start -- [options]

Runs the pipeline on this machine: the click simulator -> a kinesalite stream -> the SQL
application (sql/sessionize.sql in the harness) -> the delivery Lambda (handlers/) -> dynalite
tables. Prints the sessions read back from the table and a summary that must reconcile (exit 1
otherwise), and writes an HTML report.

Clicks:
${clickStreamHelp}
  --realtime           sleep 2 s / 15 s like the lab (default: compressed time)
  --partition-key KEY  "${userIdPartitionKey}" (default) or a constant such as 1
  --shards N           shards of the local stream (default ${defaultLocalShards}, as a deployed stack)

Pipeline:
  --engine NAME        what runs the SQL, as the stack config key engine (default kda-sql):
                         kda-sql  the harness reads the stream like a KDA input; rows go to the
                                  delivery Lambda
                         lambda   the sessionizer Lambda (handlers/sessionize-stream.ts) gets
                                  GetRecords batches as Kinesis events, one per shard at a time,
                                  keeps its window state in a dynalite state table and writes the
                                  sessions itself
  --batch-size N       records per sessionizer batch with --engine lambda (default 100)
  --delivery-interval MS  time between Lambda deliveries (default 1000, as KDA)
  --chaos              inject Lambda delivery failures and a 3 s DynamoDB outage mid-run
  --chaos-seed N       seed of the injected failures (default: the click seed)

Output:
  --rows N             session rows to print, 0 = all (default 20)
  --report PATH        HTML report path (default ${defaultReport})
  --json               print the summary as one JSON object on the last line
  --keep               leave the emulators running, print their endpoints and AWS CLI examples
  --help               this text
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...clickStreamArgSpec,
      realtime: { type: "boolean", default: false },
      "partition-key": { type: "string", default: userIdPartitionKey },
      shards: { type: "string", default: String(defaultLocalShards) },
      engine: { type: "string", default: "kda-sql" },
      "batch-size": { type: "string", default: "100" },
      "delivery-interval": { type: "string", default: "1000" },
      chaos: { type: "boolean", default: false },
      "chaos-seed": { type: "string" },
      rows: { type: "string", default: "20" },
      report: { type: "string", default: defaultReport },
      json: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  // The warning is about this machine's Node, not the run; it would interleave with the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const clicks = resolveClickStream(values);
  if (!(pipelineEngines as readonly string[]).includes(values.engine)) {
    throw new UsageError(
      `--engine is "${values.engine}"; expected one of ${pipelineEngines.join(", ")}`,
    );
  }
  const engine = values.engine as PipelineEngine;
  const rows = integerOption("rows", values.rows);
  const chaosSeed =
    values["chaos-seed"] === undefined
      ? clicks.seed
      : integerOption("chaos-seed", values["chaos-seed"]);

  process.stdout.write(
    `Local pipeline (engine ${engine}): ${clicks.count} clicks, seed ${clicks.seed}, ${values.realtime ? "real time" : "compressed time"}${values.chaos ? `, chaos (seed ${chaosSeed})` : ""}\n`,
  );
  const bars: Partial<Record<"send" | "deliver", Progress>> = {};
  const result = await runLocalPipeline({
    clicks,
    realtime: values.realtime,
    partitionKey: values["partition-key"],
    shards: integerOption("shards", values.shards, 1),
    pipelineEngine: engine,
    batchSize: integerOption("batch-size", values["batch-size"], 1),
    deliveryIntervalMs: integerOption("delivery-interval", values["delivery-interval"], 1),
    chaos: values.chaos ? { seed: chaosSeed } : undefined,
    keep: values.keep,
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

  printSessions(result, rows);
  process.stdout.write(`\nSummary\n${formatSummary(result.summary)}\n`);
  if (result.chaos) {
    const c = result.chaos;
    process.stdout.write(
      `chaos: ${c.refusedInvocations} invocations refused, ${c.lostResponses} responses lost, ${c.droppedAnswers} answers dropped, ${c.outages} DynamoDB outage(s)\n`,
    );
  }
  const reportPath = path.resolve(values.report);
  fs.mkdirSync(path.dirname(reportPath), { recursive: true });
  fs.writeFileSync(
    reportPath,
    renderReport({
      summary: result.summary,
      clicks: result.clicks,
      sessions: result.sessions,
      generatedAt: new Date(),
    }),
  );
  process.stdout.write(`\nReport: ${reportPath}\n`);
  if (values.keep) await keepRunning(result, engine);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...result.summary, reportPath })}\n`);
  return result.summary.reconciled ? 0 : 1;
}

function printSessions(result: LocalPipelineResult, limit: number): void {
  const rows = result.sessions.map((s) => [s.user_id, s.session_id, s.session_time]);
  const shown = elide(rows, limit, (hidden) => ["...", `(${hidden} more, all in the report)`, ""]);
  process.stdout.write(
    `\nSessions in ${localNames.sessionsTable} (${result.sessions.length} items)\n${formatTable(["user_id", "session_id", "session_time"], shown)}\n`,
  );
}

async function keepRunning(result: LocalPipelineResult, engine: PipelineEngine): Promise<void> {
  const { kinesis, dynamodb } = result.endpoints;
  const cli = (endpoint: string) =>
    `AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws --region ${localAws.region} --endpoint-url ${endpoint}`;
  process.stdout.write(`
Emulators left running; Ctrl-C stops them.
  Kinesis   ${kinesis}  stream ${localNames.stream}
  DynamoDB  ${dynamodb}  tables ${localNames.sessionsTable}, ${localNames.deadLetterTable}${engine === "lambda" ? `, ${localNames.stateTable}` : ""}
Inspect them with the AWS CLI (any credentials work):
  ${cli(kinesis)} kinesis describe-stream-summary --stream-name ${localNames.stream}
  ${cli(dynamodb)} dynamodb scan --table-name ${localNames.sessionsTable} --max-items 5
  ${cli(dynamodb)} dynamodb scan --table-name ${localNames.deadLetterTable} --select COUNT
Send more clicks (they stay in the stream; the application is stopped):
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local npm run simulate -- --endpoint ${kinesis} --region ${localAws.region} --stream ${localNames.stream} --events 60
`);
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  await result.close();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`start: ${error instanceof Error ? error.message : String(error)}\n`);
    if (usage) process.stderr.write("Run with --help for the options.\n");
    process.exitCode = usage ? 2 : 1;
  },
);
