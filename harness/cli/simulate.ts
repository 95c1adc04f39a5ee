/**
 * `npm run simulate`: the lab's click generator against any Kinesis stream (a deployed stack's, or
 * an emulator's via --endpoint) or into a JSON-lines file for `npm run replay`.
 */
import { parseArgs } from "util";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  clickStreamArgSpec,
  clickStreamHelp,
  resolveClickStream,
} from "../simulator/clickStreamConfig";
import { KinesisWriter } from "../simulator/kinesisWriter";
import { simulate } from "../simulator/simulate";
import { JsonLinesSink, KinesisSink, userIdPartitionKey, type ClickSink } from "../simulator/sinks";
import { UsageError } from "./optionValues";
import { progressBar } from "./progressBar";

const help = `Usage: npm run simulate -- (--stream NAME | --out FILE) [options]

Generates the lab's clickstream: random users and event names, event_type "click", a click every
2 s and a 15 s pause after every 60th, timestamps as epoch-millisecond strings.

Where the clicks go (one of):
  --stream NAME        Kinesis stream to PutRecords into (AWS credentials from the usual chain)
  --out FILE           JSON lines, one click per line, for npm run replay ("-" = stdout)

Kinesis:
  --region REGION      AWS region (default: AWS_REGION or your profile's)
  --endpoint URL       another Kinesis endpoint, e.g. http://127.0.0.1:4567 for kinesalite
  --partition-key KEY  "${userIdPartitionKey}" keys each click by its user (default); anything else is a
                       constant key, e.g. 1 as in the lab

Clicks:
${clickStreamHelp}
  --realtime           sleep 2 s / 15 s like the lab and stamp clicks with the wall clock
                       (default: compressed time, timestamps advance, nothing sleeps)

  --help               this text
`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...clickStreamArgSpec,
      stream: { type: "string" },
      out: { type: "string" },
      region: { type: "string" },
      endpoint: { type: "string" },
      "partition-key": { type: "string", default: userIdPartitionKey },
      realtime: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return;
  }
  if ((values.stream === undefined) === (values.out === undefined)) {
    throw new UsageError("give exactly one of --stream NAME or --out FILE");
  }
  const stream = resolveClickStream(values);
  let sink: ClickSink;
  let writer: KinesisWriter | undefined;
  if (values.stream !== undefined) {
    const client = new KinesisClient({
      region: values.region,
      endpoint: values.endpoint,
      // HTTP/1.1: works with AWS and with kinesalite, which speaks no HTTP/2.
      requestHandler: new NodeHttpHandler(),
    });
    writer = new KinesisWriter({ client, streamName: values.stream });
    sink = new KinesisSink(writer, values["partition-key"]);
  } else {
    sink = new JsonLinesSink(values.out as string);
  }
  const target = values.stream ? `stream ${values.stream}` : `file ${values.out}`;
  process.stderr.write(
    `Simulating ${stream.count} clicks (seed ${stream.seed}, ${values.realtime ? "real time" : "compressed time"}) into ${target}\n`,
  );
  const progress = progressBar("clicks", stream.count);
  const result = await simulate({
    stream,
    sink,
    realtime: values.realtime,
    onProgress: (sent) => progress.update(sent),
  });
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

main(process.argv.slice(2)).catch((error: unknown) => {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) process.stderr.write("Run with --help for the options.\n");
  process.exitCode = usage ? 2 : 1;
});
