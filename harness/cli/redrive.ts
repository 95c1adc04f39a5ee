/**
 * `npm run redrive -- [--stack NAME] [options]`: the way back after an outage, for a stack with
 * engine lambda. Takes the failed-batches queue's messages (each a shard and sequence range the
 * event source mapping gave up on), reads those records again from the stream while it still holds
 * them, pushes them through the sessionizer (the stack's SQL application, tables and function ARN),
 * and deletes each message only once its records are applied. The library is
 * `harness/local/redrive.ts`; docs/engines.md ("Redrive") says what redriven clicks mean.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SessionizeEngine } from "../../handlers/sessionize/engine";
import type { DeliveryLogger } from "../../handlers/delivery/deliverRows";
import { parseConfig, type PipelineConfig } from "../../infra/config";
import { readStackConfig } from "../../infra/plan/stackConfig";
import { readApplicationSql, sqlApplications } from "../../sql/applications";
import { redrive, type RedriveOutcome } from "../local/redrive";
import { SqsQueue } from "../local/sqsQueue";
import {
  anyText,
  createCommand,
  flag,
  helpParagraph,
  helpText,
  integer,
  matching,
  parseCommand,
  runCli,
  valueOption,
} from "./command";

const repositoryRoot = path.resolve(__dirname, "..", "..");

/** The options of `npm run redrive`, as parsed. */
interface RedriveArguments {
  readonly stack: string;
  readonly region?: string;
  readonly queueUrl?: string;
  readonly functionArn?: string;
  readonly maxMessages?: number;
  readonly batchSize: number;
  readonly json: boolean;
}

function redriveCommand() {
  return createCommand(
    "npm run redrive --",
    "Replays the batches the event source mapping gave up on (engine lambda): takes each message " +
      "of the stack's failed-batches queue, reads its shard's sequence range again from the stream, " +
      "runs those records through the sessionizer with the stack's SQL application and tables, and " +
      "deletes the message once they are applied. Records already applied are skipped, so running " +
      "it twice changes nothing. Needs AWS credentials (the usual profile or environment).",
  )
    .addOption(
      valueOption(
        "--stack <NAME>",
        "the stack whose Pulumi.<NAME>.yaml names the queue, stream, tables and SQL application",
        matching(/^[A-Za-z0-9_.-]+$/, "a stack name of letters, digits, '_', '.' or '-'"),
        { value: "dev" },
      ),
    )
    .addOption(
      valueOption("--region <REGION>", "the stack's AWS region", anyText, {
        text: "the stack's aws:region",
      }),
    )
    .addOption(
      valueOption("--queue-url <URL>", "the failed-batches queue", anyText, {
        text: "the stack's output failedBatchesQueueUrl, from pulumi stack output",
      }),
    )
    .addOption(
      valueOption(
        "--function-arn <ARN>",
        "the sessionizer's ARN, which scopes dead-letter ids as the deployed function does",
        matching(/^arn:aws[a-z-]*:lambda:/, "a Lambda function ARN"),
        { text: "built from the queue's account and the stack's functionName" },
      ),
    )
    .addOption(
      valueOption("--max-messages <N>", "messages to take at most", integer(1), {
        text: "every message in the queue",
      }),
    )
    .addOption(
      valueOption("--batch-size <N>", "records per sessionizer call", integer(1), { value: 100 }),
    )
    .addOption(flag("--json", "print one JSON object per message instead of a line of text"))
    .addHelpText(
      "after",
      helpParagraph(
        "Exit status 0 when every message taken was redriven, 1 when one is kept: its range is past " +
          "the stream's retention (expired), the sessionizer could not apply it now (failed: run " +
          "again), or it is no failed-batch record (malformed). AWS_ENDPOINT_URL_SQS, " +
          "AWS_ENDPOINT_URL_KINESIS and AWS_ENDPOINT_URL_DYNAMODB point the clients elsewhere.",
      ),
    );
}

/** Logs the sessionizer's warnings and errors on stderr, one JSON line each. */
const stderrLogger: DeliveryLogger = {
  debug() {},
  info() {},
  warn: (message, attributes) =>
    process.stderr.write(`${JSON.stringify({ level: "WARN", message, ...attributes })}\n`),
  error: (message, attributes) =>
    process.stderr.write(`${JSON.stringify({ level: "ERROR", message, ...attributes })}\n`),
};

function describe(outcome: RedriveOutcome): string {
  const range = outcome.batch
    ? `${outcome.batch.shardId} ${outcome.batch.startSequenceNumber}..${outcome.batch.endSequenceNumber}`
    : "(no range)";
  const detail = outcome.detail === undefined ? "" : `: ${outcome.detail}`;
  return `${outcome.result.padEnd(9)} message ${outcome.messageId} ${range}, ${outcome.records} records${detail}`;
}

function stackConfig(stack: string): PipelineConfig {
  const { project, values } = readStackConfig(repositoryRoot, stack);
  const config = parseConfig(values, { project, stack });
  if (config.engine !== "lambda") {
    throw new Error(
      `stack ${stack} runs engine ${config.engine}, which has no failed-batches queue; redrive is for engine lambda`,
    );
  }
  return config;
}

/**
 * The failed-batches queue's URL, as the stack's output says: the queue is auto-named (issue 15), so
 * its name cannot be derived from the stack's config.
 */
function stackQueueUrl(stack: string): string {
  const result = spawnSync(
    "pulumi",
    ["stack", "output", "failedBatchesQueueUrl", "--stack", stack],
    {
      cwd: repositoryRoot,
      encoding: "utf8",
    },
  );
  const url = result.status === 0 ? result.stdout.trim() : "";
  if (url === "") {
    throw new Error(
      `could not read the output failedBatchesQueueUrl of stack ${stack} (pulumi stack output: ${
        result.error?.message ?? (result.stderr.trim() || "no value")
      }); give the queue with --queue-url`,
    );
  }
  return url;
}

async function main(argv: readonly string[]): Promise<number> {
  const command = redriveCommand();
  const options = parseCommand<RedriveArguments>(command, argv);
  if (options.help) {
    process.stdout.write(helpText(command));
    return 0;
  }
  const config = stackConfig(options.stack);
  const region = options.region ?? config.region;
  const queue = new SqsQueue(options.queueUrl ?? stackQueueUrl(options.stack), { region });
  const account = /\/(\d{12})\//.exec(queue.queueUrl)?.[1];
  const functionArn =
    options.functionArn ??
    (account === undefined
      ? undefined
      : `arn:aws:lambda:${region}:${account}:function:${config.names.function}`);
  if (functionArn === undefined) {
    throw new Error(
      `the queue URL ${queue.queueUrl} names no account; give the sessionizer's ARN with --function-arn`,
    );
  }
  const app = sqlApplications[config.sqlApplication];
  const dynamo = new DynamoDBClient({ region });
  // HTTP/1.1: works with AWS and with kinesalite, which speaks no HTTP/2.
  const kinesis = new KinesisClient({ region, requestHandler: new NodeHttpHandler() });
  try {
    const outcomes = await redrive({
      queue,
      kinesis,
      region,
      maxMessages: options.maxMessages,
      batchSize: options.batchSize,
      sessionizer: {
        client: dynamo,
        engine: new SessionizeEngine({
          sqlText: readApplicationSql(app.name),
          inputSchema: app.inputSchema,
          partitionColumn: app.partitionColumn,
        }),
        sessionsTable: config.names.sessionsTable,
        deadLetterTable: config.names.deadLetterTable,
        stateTable: config.names.stateTable,
        logger: stderrLogger,
        applicationArn: functionArn,
      },
      onOutcome: (outcome) =>
        process.stdout.write(`${options.json ? JSON.stringify(outcome) : describe(outcome)}\n`),
    });
    const kept = outcomes.filter((o) => o.result !== "redriven").length;
    if (!options.json) {
      process.stdout.write(
        `${outcomes.length - kept} of ${outcomes.length} message(s) redriven and deleted, ${kept} kept\n`,
      );
    }
    return kept === 0 ? 0 : 1;
  } finally {
    dynamo.destroy();
    kinesis.destroy();
    queue.destroy();
  }
}

if (require.main === module) runCli("redrive", main);
