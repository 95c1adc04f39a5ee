/**
 * Bench peer: records/s of the delivery handler against dynalite, and of the lab's Python loop
 * (one PutItem per record) done the same way in Node, on the same rows in the same run.
 * Prints one JSON line per result (the peer protocol of `harness/bench/peerProtocol.ts`).
 *
 *   npx tsx harness/bench/peers/delivery.ts [--records N]   (default 3000, the lab's click count)
 */
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { Option } from "commander";
import type { handler as Handler } from "../../../handlers/deliver-sessions";
import type { KinesisAnalyticsOutputDeliveryEvent } from "../../../handlers/delivery/event";
import { handlerEnvironment } from "../../../sql/contracts";
import { localAws, localTables, startLocalDynamo, type LocalTable } from "../../local/localStack";
import { count, parsePeerOptions, type PeerResult } from "../peerProtocol";

/** KDA hands the function at most what fits in Lambda's 6 MB payload; 500 rows is a typical batch. */
const EVENT_RECORDS = 500;

/** Rows as the lab's DESTINATION_SQL_STREAM delivers them, base64 of JSON. */
function labRows(count: number): string[] {
  return Array.from({ length: count }, (_, n) => {
    const user = `user${(n % 20) + 1}`.padEnd(7, " ");
    const time = new Date(Date.UTC(2026, 0, 1) + n * 11_000).toISOString().slice(11, 19);
    const row = {
      user_id: user,
      session_id: `${user}_mobile_${time}`,
      session_time: time,
      latest_time: time,
    };
    return Buffer.from(JSON.stringify(row)).toString("base64");
  });
}

function maxRssMB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** A sessions table and a dead-letter table named after `prefix`, in the deployed key shapes. */
function tablesOf(prefix: string): { sessionsTable: LocalTable; deadLetterTable: LocalTable } {
  return {
    sessionsTable: { ...localTables.sessions, name: `${prefix}-sessions` },
    deadLetterTable: { ...localTables.deadLetters, name: `${prefix}-dead-letters` },
  };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The lab's function: decode, parse, one PutItem per record, in order. */
async function labLoop(
  client: DynamoDBClient,
  table: string,
  rows: readonly string[],
): Promise<void> {
  for (const data of rows) {
    const item = JSON.parse(Buffer.from(data, "base64").toString("utf8")) as Record<string, string>;
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          session_id: { S: item.session_id },
          session_time: { S: item.session_time },
          user_id: { S: item.user_id },
        },
      }),
    );
  }
}

async function main(): Promise<void> {
  const { records } = parsePeerOptions<{ records: number }>([
    new Option("--records <N>").argParser(count(1)).default(3000),
  ]);
  const rows = labRows(records);
  const labTables = tablesOf("lab");
  const handlerTables = tablesOf("handler");
  const dynamo = await startLocalDynamo([
    ...Object.values(labTables),
    ...Object.values(handlerTables),
  ]);
  const { client } = dynamo;
  try {
    const results: PeerResult[] = [];

    const labSeconds = await timed(() => labLoop(client, labTables.sessionsTable.name, rows));
    results.push({
      peer: "lab-putitem-loop",
      items: records,
      unit: "records",
      seconds: labSeconds,
      maxRssMB: maxRssMB(),
    });

    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.emulator.endpoint,
      AWS_REGION: localAws.region,
      AWS_ACCESS_KEY_ID: localAws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localAws.credentials.secretAccessKey,
      [handlerEnvironment.sessionsTable]: handlerTables.sessionsTable.name,
      [handlerEnvironment.deadLetterTable]: handlerTables.deadLetterTable.name,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    });
    // Loaded only now: the handler reads its environment once, at module load, as in Lambda.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require("../../../handlers/deliver-sessions") as {
      handler: typeof Handler;
    };
    let failed = 0;
    const handlerSeconds = await timed(async () => {
      for (let start = 0; start < rows.length; start += EVENT_RECORDS) {
        const event: KinesisAnalyticsOutputDeliveryEvent = {
          invocationId: `bench-${start}`,
          applicationArn: "arn:aws:kinesisanalytics:us-east-1:123456789012:application/bench",
          records: rows.slice(start, start + EVENT_RECORDS).map((data, index) => ({
            recordId: String(start + index),
            lambdaDeliveryRecordMetadata: { retryHint: 0 },
            data,
          })),
        };
        const response = await handler(event, { getRemainingTimeInMillis: () => 60_000 });
        failed += response.records.filter((record) => record.result !== "Ok").length;
      }
    });
    results.push({
      peer: "delivery-handler",
      items: records,
      unit: "records",
      seconds: handlerSeconds,
      maxRssMB: maxRssMB(),
      note: `events of ${EVENT_RECORDS} records; peak RSS of the process, lab loop included${failed > 0 ? `; ${failed} DeliveryFailed` : ""}`,
    });
    for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await dynamo.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
