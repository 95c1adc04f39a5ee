/**
 * Peer "lambda-engine": the sessionizer Lambda (engine `lambda`) over the benchmark clickstream,
 * including everything it does per batch against dynalite: BatchGetItem of the batch's users' window
 * state, the harness run, BatchWriteItem of the session rows, and a conditional PutItem per user and
 * per shard. Records go in Kinesis events of `--batch N` records (default 100, the mapping's default
 * batch size), spread over `--shards N` shards by user (default 1) and invoked one batch at a time,
 * as the event source mapping does with one batch per shard in flight. Kinesis itself is not in the
 * measurement: the events are built from the file.
 *
 *   npx tsx harness/bench/peers/lambdaEngine.ts --input FILE [--limit N] [--batch N] [--shards N]
 */
import { parseArgs } from "util";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { SessionizeEngine } from "../../../handlers/sessionize/engine";
import { sessionizeEvent, type SessionizeDeps } from "../../../handlers/sessionize/sessionizeEvent";
import { clientFor, startDynalite } from "../../../test/support/dynamo";
import { createSessionizerTables } from "../../../test/support/sessionizer";
import { benchArrivalTime, readLineBytes } from "../clickstream";
import { parsePeerOptions, reportResult, requireInput, secondsSince } from "../peerProtocol";

const streamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/bench";
const destination = "DESTINATION_SQL_STREAM";

function own(argv: readonly string[]): { batch: number; shards: number; rest: string[] } {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: { batch: { type: "string" }, shards: { type: "string" } },
    strict: false,
    tokens: true,
  });
  const count = (name: string, text: unknown, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`--${name} "${String(text)}" is not allowed; expected a whole number >= 1`);
    }
    return value;
  };
  const rest: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === "option" && (token.name === "batch" || token.name === "shards")) continue;
    if (token.kind === "option") rest.push(token.rawName, ...(token.value ? [token.value] : []));
    else if (token.kind === "positional") rest.push(token.value);
  }
  return {
    batch: count("batch", values.batch, 100),
    shards: count("shards", values.shards, 1),
    rest,
  };
}

/** The shard a user's records go to, as Kinesis hashes the partition key (here: a cheap hash). */
function shardOfUser(line: Uint8Array, shards: number): number {
  const text = Buffer.from(line).toString("utf8");
  const user = /"user_id":"([^"]*)"/.exec(text)?.[1] ?? "";
  let hash = 0;
  for (let i = 0; i < user.length; i++) hash = (hash * 31 + user.charCodeAt(i)) | 0;
  return Math.abs(hash) % shards;
}

async function main(): Promise<void> {
  const { batch, shards, rest } = own(process.argv.slice(2));
  const options = parsePeerOptions(rest);
  const lines = readLineBytes(requireInput(options), options.limit);
  // Build the events first: the measurement is the function, not the file or the event builder.
  const perShard: KinesisStreamRecord[][] = Array.from({ length: shards }, () => []);
  lines.forEach((line, index) => {
    const shard = shardOfUser(line, shards);
    const shardId = `shardId-${String(shard).padStart(12, "0")}`;
    const sequence = String(49590000000000000000000000000000000000000000000000n + BigInt(index));
    perShard[shard].push({
      eventSource: "aws:kinesis",
      eventVersion: "1.0",
      eventID: `${shardId}:${sequence}`,
      eventName: "aws:kinesis:record",
      invokeIdentityArn: "arn:aws:iam::000000000000:role/bench",
      awsRegion: "us-east-1",
      eventSourceARN: streamArn,
      kinesis: {
        kinesisSchemaVersion: "1.0",
        partitionKey: "bench",
        sequenceNumber: sequence,
        data: Buffer.from(line).toString("base64"),
        approximateArrivalTimestamp: benchArrivalTime(index) / 1000,
      },
    });
  });
  const events: KinesisStreamEvent[][] = perShard.map((records) => {
    const list: KinesisStreamEvent[] = [];
    for (let start = 0; start < records.length; start += batch)
      list.push({ Records: records.slice(start, start + batch) });
    return list;
  });

  const dynamo = await startDynalite();
  const client = clientFor(dynamo.endpoint);
  const tables = await createSessionizerTables(client);
  let outputRows = 0;
  const deps: SessionizeDeps = {
    client,
    engine: new SessionizeEngine(),
    ...tables,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    remainingTimeMs: () => 60_000,
    invocationId: "bench",
    applicationArn: "arn:aws:lambda:us-east-1:000000000000:function:bench",
    onDelivered: (rows) => {
      for (const row of rows) if (row.stream === destination) outputRows++;
    },
  };
  const started = process.hrtime.bigint();
  // The shards run side by side, each one batch at a time, as with parallelizationFactor 1.
  await Promise.all(
    events.map(async (list) => {
      for (const event of list) {
        const answer = await sessionizeEvent(event, deps);
        if (answer.batchItemFailures.length > 0)
          throw new Error(`a batch failed: ${JSON.stringify(answer.batchItemFailures)}`);
      }
    }),
  );
  const seconds = secondsSince(started);
  client.destroy();
  await dynamo.close();
  reportResult({
    peer: "lambda-engine",
    items: lines.length,
    unit: "events",
    seconds,
    outputRows,
    note: `sessionizer against dynalite, batches of ${batch}, ${shards} shard(s), state read and written per batch`,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`lambda-engine: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
