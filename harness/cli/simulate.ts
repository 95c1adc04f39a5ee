/**
 * `npm run simulate`: the lab's click generator against any Kinesis stream (a deployed stack's, or
 * an emulator's via --endpoint) or into a JSON-lines file for `npm run replay`.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { resolveClickStream, type ClickStreamSettings } from "../simulator/clickStreamConfig";
import { KinesisWriter } from "../simulator/kinesisWriter";
import { simulate } from "../simulator/simulate";
import { JsonLinesSink, KinesisSink, userIdPartitionKey, type ClickSink } from "../simulator/sinks";
import { clickStreamOptions } from "./clickStreamOptions";
import {
  UsageError,
  anyText,
  createCommand,
  helpText,
  parseCommand,
  runCli,
  valueOption,
  type CliContext,
} from "./command";
import { progressBar } from "./progressBar";

/** The options of `npm run simulate`, as parsed. */
interface SimulateOptions extends ClickStreamSettings {
  readonly stream?: string;
  readonly out?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly partitionKey: string;
  readonly realtime: boolean;
}

function simulateCommand() {
  const command = createCommand(
    "npm run simulate --",
    'Generates the lab\'s clickstream: random users and event names, event_type "click", a click ' +
      "every 2 s and a 15 s pause after every 60th, timestamps as epoch-millisecond strings.",
  )
    .usage("(--stream NAME | --out FILE) [options]")
    .optionsGroup("Where the clicks go (one of):")
    .addOption(
      valueOption(
        "--stream <NAME>",
        "Kinesis stream to PutRecords into (AWS credentials from the usual chain)",
        anyText,
        { text: "none" },
      ).conflicts("out"),
    )
    .addOption(
      valueOption(
        "--out <FILE>",
        'JSON lines, one click per line, for npm run replay ("-" = stdout)',
        anyText,
        { text: "none" },
      ),
    )
    .optionsGroup("Kinesis:")
    .addOption(
      valueOption("--region <REGION>", "AWS region", anyText, {
        text: "AWS_REGION or your profile's",
      }).conflicts("out"),
    )
    .addOption(
      valueOption(
        "--endpoint <URL>",
        "another Kinesis endpoint, e.g. http://127.0.0.1:4567 for kinesalite",
        anyText,
        { text: "the region's" },
      ).conflicts("out"),
    )
    .addOption(
      valueOption(
        "--partition-key <KEY>",
        `"${userIdPartitionKey}" keys each click by its user; anything else is a constant key, e.g. 1 as in the lab`,
        anyText,
        { value: userIdPartitionKey },
      ).conflicts("out"),
    )
    .optionsGroup("Clicks:");
  for (const option of clickStreamOptions({
    description: "sleep 2 s / 15 s like the lab and stamp clicks with the wall clock",
    default: "compressed time: timestamps advance, nothing sleeps",
  })) {
    command.addOption(option);
  }
  return command;
}

async function main(argv: readonly string[], { signal }: CliContext): Promise<void> {
  const command = simulateCommand();
  const options = parseCommand<SimulateOptions>(command, argv);
  if (options.help) {
    process.stdout.write(helpText(command));
    return;
  }
  if ((options.stream === undefined) === (options.out === undefined)) {
    throw new UsageError("give exactly one of --stream NAME or --out FILE");
  }
  const stream = resolveClickStream(options);
  let sink: ClickSink;
  let writer: KinesisWriter | undefined;
  let client: KinesisClient | undefined;
  if (options.stream !== undefined) {
    client = new KinesisClient({
      region: options.region,
      endpoint: options.endpoint,
      // HTTP/1.1: works with AWS and with kinesalite, which speaks no HTTP/2.
      requestHandler: new NodeHttpHandler(),
    });
    // A missing region or missing credentials is said before anything is printed or sent.
    await client.config.region();
    await client.config.credentials();
    writer = new KinesisWriter({ client, streamName: options.stream });
    sink = new KinesisSink(writer, options.partitionKey);
  } else {
    sink = new JsonLinesSink(options.out as string);
  }
  const target = options.stream ? `stream ${options.stream}` : `file ${options.out}`;
  process.stderr.write(
    `Simulating ${stream.count} clicks (seed ${stream.seed}, ${options.realtime ? "real time" : "compressed time"}) into ${target}\n`,
  );
  const progress = progressBar("clicks", stream.count);
  const result = await simulate({
    stream,
    sink,
    realtime: options.realtime,
    signal,
    onProgress: (sent) => progress.update(sent),
  }).finally(() => client?.destroy());
  progress.finish();
  const span =
    result.firstTimestamp === null
      ? ""
      : `, ${new Date(result.firstTimestamp).toISOString()} .. ${new Date(result.lastTimestamp as number).toISOString()}`;
  const calls = writer
    ? ` in ${writer.stats.calls} PutRecords call(s), ${writer.stats.retriedRecords} record retries, ${writer.stats.throttledCalls} throttled call(s)`
    : "";
  process.stderr.write(`Sent ${result.events} clicks${span}${calls}\n`);
}

if (require.main === module) runCli("simulate", main, { onSignal: "abort" });
