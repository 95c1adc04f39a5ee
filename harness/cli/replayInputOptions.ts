/**
 * Where recorded records come from, as `npm run replay` and `npm run report` both take it: a file
 * or stdin in one of the formats AWS hands out, a live stream, or the ranges the failed-batches
 * queue names. Declared once so both CLIs take the same flags with the same defaults.
 */
import { Option, type Command } from "commander";
import {
  inputFormats,
  openFileSource,
  type InputFormat,
  type RecordSource,
} from "../replay/fileSource";
import type { StreamPosition } from "../replay/streamSource";
import {
  anyText,
  matching,
  oneOf,
  pointInTime,
  UsageError,
  valueOption,
  type ValueType,
} from "./command";

/** The parsed input options. */
export interface ReplayInputArguments {
  readonly input: string;
  readonly inputFormat: InputFormat;
  readonly fromStream?: string;
  readonly fromQueue?: string;
  readonly from: StreamPosition;
  readonly region?: string;
}

/** `TRIM_HORIZON`, or a point in time to read from with AT_TIMESTAMP. */
const streamPosition: ValueType<StreamPosition> = {
  expected: "TRIM_HORIZON or a point in time (epoch ms or ISO-8601) to read AT_TIMESTAMP",
  parse(text) {
    if (text === "TRIM_HORIZON") return { type: "TRIM_HORIZON" };
    const time = pointInTime.parse(text.replace(/^AT_TIMESTAMP[=:]/, ""));
    return time === undefined ? undefined : { type: "AT_TIMESTAMP", time };
  },
};

/** Adds the input options, under a heading of their own. */
export function addReplayInputOptions(command: Command): Command {
  return command
    .optionsGroup("Input (one of):")
    .addOption(
      valueOption(
        "--input <FILE|->",
        "recorded records; - reads stdin; .gz is read as gzip",
        anyText,
        {
          value: "-",
        },
      ),
    )
    .addOption(
      valueOption(
        "--input-format <FORMAT>",
        "auto (from the first bytes), jsonl, kinesis (aws kinesis get-records output) or firehose (an S3 object of concatenated or newline-delimited records)",
        oneOf(inputFormats),
        { value: "auto" },
      ).conflicts("fromStream"),
    )
    .addOption(
      valueOption(
        "--from-stream <NAME>",
        "read every shard of this Kinesis stream with the SDK instead (AWS_ENDPOINT_URL_KINESIS, AWS_REGION and the credentials chain apply)",
        anyText,
        { text: "none" },
      ).conflicts(["input", "fromQueue"]),
    )
    .addOption(
      valueOption(
        "--from-queue <URL>",
        "replay the batches engine lambda's failed-batches queue names: each message's shard and sequence range, read again from the stream; the messages stay in the queue (AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_KINESIS, AWS_REGION and the credentials chain apply)",
        matching(
          /^https?:\/\/\S+$/,
          "a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)",
        ),
        { text: "none" },
      ).conflicts(["input", "inputFormat"]),
    )
    .addOption(
      valueOption(
        "--from <POSITION>",
        "with --from-stream: TRIM_HORIZON, or a point in time (epoch ms or ISO-8601) to read each shard from, AT_TIMESTAMP",
        streamPosition,
        {
          value: { type: "TRIM_HORIZON" },
          text: "TRIM_HORIZON",
        },
      ),
    )
    .addOption(
      new Option(
        "--region <REGION>",
        "with --from-stream or --from-queue: the stream's (and queue's) AWS region",
      ).default(undefined, "AWS_REGION or your profile's"),
    );
}

/** A source the CLI opened, and how to let go of it (the SDK client's sockets). */
export interface OpenedSource extends RecordSource {
  close(): void;
}

/** Opens the source the options name; throws `UsageError` for options that belong together. */
export async function openReplaySource(
  options: ReplayInputArguments,
  command: Command,
  signal?: AbortSignal,
  onWarning: (warning: string) => void = () => {},
): Promise<OpenedSource> {
  const { fromStream, fromQueue } = options;
  if (fromStream === undefined && command.getOptionValueSource("from") === "cli") {
    throw new UsageError("--from needs --from-stream NAME");
  }
  if (fromStream === undefined && fromQueue === undefined) {
    if (command.getOptionValueSource("region") === "cli") {
      throw new UsageError("--region needs --from-stream NAME or --from-queue URL");
    }
    const source = await openFileSource(options.input, options.inputFormat, undefined, signal);
    return { ...source, close() {} };
  }
  // Loaded only for a stream or a queue: the AWS SDK is most of a replay's start-up when reading a file.
  // (require, not import(): the tests' tsx hook compiles require alone.)
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { KinesisClient } =
    require("@aws-sdk/client-kinesis") as typeof import("@aws-sdk/client-kinesis");
  const { NodeHttpHandler } =
    require("@smithy/node-http-handler") as typeof import("@smithy/node-http-handler");
  const { streamRecordSource } =
    require("../replay/streamSource") as typeof import("../replay/streamSource");
  const { queueRecordSource } =
    require("../replay/queueSource") as typeof import("../replay/queueSource");
  const { SqsQueue } = require("../local/sqsQueue") as typeof import("../local/sqsQueue");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const client = new KinesisClient({
    region: options.region,
    // HTTP/1.1: works with AWS and with kinesalite, which speaks no HTTP/2.
    requestHandler: new NodeHttpHandler(),
  });
  // A missing region or missing credentials is said before anything is read.
  await client.config.region();
  await client.config.credentials();
  if (fromStream === undefined) {
    const queue = new SqsQueue(fromQueue!, { region: options.region });
    const source = queueRecordSource({
      queue,
      queueUrl: fromQueue!,
      kinesis: client,
      onSkipped: onWarning,
    });
    return {
      get description() {
        return source.description;
      },
      records: () => source.records(),
      close() {
        queue.destroy();
        client.destroy();
      },
    };
  }
  const source = streamRecordSource({
    client,
    streamName: fromStream,
    from: options.from,
    signal,
  });
  return { ...source, close: () => client.destroy() };
}
