/**
 * Property: for random clickstreams (the corners of sql/sessionize.sql, bad records, late and equal
 * arrivals), cut into random batches of one shard, with an invocation that dies after a random
 * number of its writes and is retried, the sessionizer leaves exactly the sessions table the harness
 * replay computes for the same records with the same arrival times, and the same window state as an
 * uninterrupted run (so no event was applied twice: the state counts every row it saw).
 */
import { expect } from "chai";
import fc from "fast-check";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import { createReplay } from "../../harness/emulator";
import type { SessionItem } from "../../sql/contracts";
import { readSessionizeSql } from "../../sql/inputSchema";
import { sessionizeEvent } from "../../handlers/sessionize/sessionizeEvent";
import {
  clickstreamArbitrary,
  describeStream,
  type ClickRecord,
} from "../support/clickstreamArbitrary";
import { dynalitePerSuite } from "../support/dynamo";
import { toEventRecord } from "../support/kinesis";
import { lambdaContext } from "../support/records";
import {
  crashingClient,
  createSessionizerTables,
  itemOfRow,
  sessionizerDeps,
  sessionsIn,
  tableText,
} from "../support/sessionizer";

const seed = Number(process.env.LAMBDA_PROPERTY_SEED ?? 20260106);
const numRuns = Number(process.env.LAMBDA_PROPERTY_RUNS ?? 25);
const shardId = "shardId-000000000000";
const streamArn = "arn:aws:kinesis:us-east-1:123456789012:stream/property";

function eventRecord(record: ClickRecord, index: number): KinesisStreamRecord {
  const sequence = String(49600000000000000000000000000000000000000000000000n + BigInt(index));
  return toEventRecord(
    {
      PartitionKey: "p",
      SequenceNumber: sequence,
      Data: Buffer.from(record.data, "utf8"),
      ApproximateArrivalTimestamp: new Date(record.arrivalTime),
    },
    shardId,
    streamArn,
  );
}

/** The sessions table replay predicts: the last storable row of each session_id. */
function replayedSessions(records: readonly ClickRecord[]): SessionItem[] {
  const replay = createReplay(readSessionizeSql());
  const items = new Map<string, SessionItem>();
  for (const record of records) {
    const line = JSON.stringify({
      data: Buffer.from(record.data, "utf8").toString("base64"),
      arrivalTime: record.arrivalTime,
    });
    for (const row of replay.feed(line)) {
      if (typeof row.session_id !== "string" || row.session_id === "") continue;
      items.set(row.session_id, itemOfRow(row));
    }
  }
  return [...items.values()].sort((a, b) => a.session_id.localeCompare(b.session_id));
}

describe("the sessionizer on random clickstreams (property)", () => {
  const dynamo = dynalitePerSuite();

  it("leaves the replay's sessions table and a clean run's state whatever the batching and wherever an invocation dies", async () => {
    await fc.assert(
      fc.asyncProperty(
        clickstreamArbitrary({ maxLength: 40 }),
        fc.integer({ min: 1, max: 15 }),
        fc.nat({ max: 10 }),
        fc.nat({ max: 6 }),
        async (records, batchSize, crashBatch, crashAfterWrites) => {
          // Prepare
          const tables = await createSessionizerTables(dynamo.client);
          const clean = await createSessionizerTables(dynamo.client);
          const all = records.map(eventRecord);
          const events: KinesisStreamEvent[] = [];
          for (let start = 0; start < all.length; start += batchSize)
            events.push({ Records: all.slice(start, start + batchSize) });
          // Act: one invocation dies part way; Lambda retries its batch in a new container
          for (const [index, event] of events.entries()) {
            if (index === crashBatch) {
              const dying = sessionizerDeps(
                crashingClient(dynamo.endpoint, crashAfterWrites),
                tables,
                {
                  remainingTimeMs: lambdaContext(300).getRemainingTimeInMillis,
                  tuning: { reserveMs: 0 },
                },
              );
              await sessionizeEvent(event, dying);
            }
            const answer = await sessionizeEvent(event, sessionizerDeps(dynamo.client, tables));
            expect(answer.batchItemFailures).to.deep.equal([]);
            await sessionizeEvent(event, sessionizerDeps(dynamo.client, clean));
          }
          // Assess
          expect(
            await sessionsIn(dynamo.client, tables.sessionsTable),
            `stream:\n${describeStream(records)}`,
          ).to.deep.equal(replayedSessions(records));
          expect(await tableText(dynamo.client, tables.stateTable)).to.deep.equal(
            await tableText(dynamo.client, clean.stateTable),
          );
        },
      ),
      { seed, numRuns },
    );
  });
});
