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
import { Option } from "commander";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { SessionizeEngine } from "../../../handlers/sessionize/engine";
import {
  sessionizeEvent,
  type DeliveredRow,
  type SessionizeDeps,
} from "../../../handlers/sessionize/sessionizeEvent";
import { destinationStreamName } from "../../../sql/contracts";
import { kinesisEventRecord } from "../../local/kinesisEvents";
import { localAws, localTables, startLocalDynamo } from "../../local/localStack";
import { benchArrivalTime, readLineBytes } from "../clickstream";
import {
  count,
  parsePeerOptions,
  reportRows,
  requireInput,
  secondsSince,
  type DestinationRow,
} from "../peerProtocol";

const streamArn = `arn:aws:kinesis:${localAws.region}:000000000000:stream/bench`;

/** The shard a user's records go to, as Kinesis hashes the partition key (here: a cheap hash). */
function shardOfUser(line: Uint8Array, shards: number): number {
  const text = Buffer.from(line).toString("utf8");
  const user = /"user_id":"([^"]*)"/.exec(text)?.[1] ?? "";
  let hash = 0;
  for (let i = 0; i < user.length; i++) hash = (hash * 31 + user.charCodeAt(i)) | 0;
  return Math.abs(hash) % shards;
}

async function main(): Promise<void> {
  const options = parsePeerOptions<{ batch: number; shards: number }>([
    new Option("--batch <N>").argParser(count(1)).default(100),
    new Option("--shards <N>").argParser(count(1)).default(1),
  ]);
  const { batch, shards } = options;
  const lines = readLineBytes(requireInput(options), options.limit);
  // Build the events first: the measurement is the function, not the file or the event builder.
  const perShard: KinesisStreamRecord[][] = Array.from({ length: shards }, () => []);
  lines.forEach((line, index) => {
    const shard = shardOfUser(line, shards);
    const shardId = `shardId-${String(shard).padStart(12, "0")}`;
    perShard[shard].push(
      kinesisEventRecord(
        {
          shardId,
          sequenceNumber: String(
            49590000000000000000000000000000000000000000000000n + BigInt(index),
          ),
          partitionKey: "bench",
          data: line,
          arrivalTime: benchArrivalTime(index),
        },
        streamArn,
        localAws.region,
      ),
    );
  });
  const events: KinesisStreamEvent[][] = perShard.map((records) => {
    const list: KinesisStreamEvent[] = [];
    for (let start = 0; start < records.length; start += batch)
      list.push({ Records: records.slice(start, start + batch) });
    return list;
  });

  const dynamo = await startLocalDynamo([
    localTables.sessions,
    localTables.deadLetters,
    localTables.state,
  ]);
  const delivered: DeliveredRow[] = [];
  const deps: SessionizeDeps = {
    client: dynamo.client,
    engine: new SessionizeEngine(),
    sessionsTable: localTables.sessions.name,
    deadLetterTable: localTables.deadLetters.name,
    stateTable: localTables.state.name,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    remainingTimeMs: () => 60_000,
    invocationId: "bench",
    applicationArn: "arn:aws:lambda:us-east-1:000000000000:function:bench",
    onDelivered: (rows) => delivered.push(...rows),
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
  await dynamo.close();
  const rows = delivered
    .filter((row) => row.stream === destinationStreamName)
    .map((row) => Object.values(row.row) as DestinationRow);
  reportRows(
    {
      peer: "lambda-engine",
      items: lines.length,
      seconds,
      note: `sessionizer against dynalite, batches of ${batch}, ${shards} shard(s), state read and written per batch`,
    },
    rows,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`lambda-engine: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
