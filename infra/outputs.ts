/**
 * What the stack exports for a person to act on, as pure functions of names the program knows: where
 * to look in the AWS console, and commands that send clicks to the stream. Tested without mocks.
 */

/** Where the pipeline's parts are, as the stack knows them after `pulumi up`. */
export interface PipelineLocation {
  readonly region: string;
  readonly stream: string;
  /** The engine's Lambda function (engines `kda-sql` and `lambda`). */
  readonly function?: string;
  /** The engine's Managed Service for Apache Flink application (engine `flink`). */
  readonly flinkApplication?: string;
  readonly sessionsTable: string;
  readonly deadLetterTable: string;
}

/** Console pages of the stack's parts. */
export interface ConsoleLinks {
  /** The stream's monitoring tab: incoming records, iterator age. */
  readonly stream: string;
  /** The function's monitoring tab (logs are one click away), when the engine has one. */
  readonly function?: string;
  /** The Flink application's dashboard, when the engine is `flink`. */
  readonly flinkApplication?: string;
  /** The sessions table's items. */
  readonly sessions: string;
  /** The dead-letter table's items. */
  readonly deadLetters: string;
  /** CloudWatch alarms of the region. */
  readonly alarms: string;
}

/**
 * Console links in the commercial partition (console.aws.amazon.com), each pinned to the stack's
 * region. `consoleLinks({region: "us-west-2", stream: "s", ...}).stream` ->
 * `"https://us-west-2.console.aws.amazon.com/kinesis/home?region=us-west-2#/streams/details/s/monitoring"`
 */
export function consoleLinks(where: PipelineLocation): ConsoleLinks {
  const { region } = where;
  const home = (service: string): string =>
    `https://${region}.console.aws.amazon.com/${service}/home?region=${region}`;
  const name = encodeURIComponent;
  return {
    stream: `${home("kinesis")}#/streams/details/${name(where.stream)}/monitoring`,
    ...(where.function === undefined
      ? {}
      : { function: `${home("lambda")}#/functions/${name(where.function)}?tab=monitoring` }),
    ...(where.flinkApplication === undefined
      ? {}
      : {
          flinkApplication: `${home("flink")}#/applications/dashboard/${name(where.flinkApplication)}`,
        }),
    sessions: `${home("dynamodbv2")}#item-explorer?table=${name(where.sessionsTable)}`,
    deadLetters: `${home("dynamodbv2")}#item-explorer?table=${name(where.deadLetterTable)}`,
    alarms: `${home("cloudwatch")}#alarmsV2:`,
  };
}

/**
 * One click of the lab's click.json template, its timestamp taken when the shell runs the command
 * (`$(date +%s)000`, epoch ms as the lab writes it), sent with the AWS CLI v2 (which needs
 * `--cli-binary-format raw-in-base64-out` to send JSON as it is). Needs no checkout, only the CLI.
 */
export function putRecordCommand(where: Pick<PipelineLocation, "region" | "stream">): string {
  const user = "user1";
  const click =
    `{"user_id":"${user}","event_timestamp":"'"$(date +%s)000"'",` +
    `"event_name":"checkout","event_type":"click","device_type":"desktop"}`;
  return [
    "aws kinesis put-record",
    `--region ${where.region}`,
    `--stream-name ${where.stream}`,
    `--partition-key ${user}`,
    "--cli-binary-format raw-in-base64-out",
    `--data '${click}'`,
  ].join(" ");
}

/** The simulator (`npm run simulate`, from a checkout of this repository) aimed at the stream. */
export function simulatorCommand(where: Pick<PipelineLocation, "region" | "stream">): string {
  return `npm run simulate -- --stream ${where.stream} --region ${where.region}`;
}
