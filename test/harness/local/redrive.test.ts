/**
 * Redrive (`npm run redrive`): after the event source mapping gave up on a batch, the range's
 * records are read again from kinesalite and applied through the sessionizer, each exactly once,
 * late; the queue's message goes only once they are in. The live batches run through the
 * sessionizer's exported handler; DynamoDB (dynalite) sits behind a proxy that throttles one key.
 */
import { expect } from "chai";
import type { KinesisStreamEvent } from "aws-lambda";
import { keyText } from "../../../handlers/sessionize/engine";
import { SessionizeEngine } from "../../../handlers/sessionize/engine";
import { partitionPk, StateTable } from "../../../handlers/sessionize/stateTable";
import {
  parseFailedBatch,
  redrive,
  type FailedBatchQueue,
  type QueuedMessage,
  type RedriveOutcome,
} from "../../../harness/local/redrive";
import { readApplicationSql, sqlApplications } from "../../../sql/applications";
import { region, scanAll } from "../../support/dynamo";
import { emulatorsPerSuite } from "../../support/emulators";
import { onStateItem } from "../../support/gateProxy";
import { createStream, putRecords, readShardEvents } from "../../support/kinesis";
import {
  capturingOutput,
  invocation,
  localHandlerEnv,
  metricTotal,
  sessionizerContainer,
  sessionizerFunctionArn,
} from "../../support/lambda";
import { recordingLogger } from "../../support/records";
import {
  createSessionizerTables,
  expectedSessions,
  sessionsIn,
  type SessionizerTables,
} from "../../support/sessionizer";

const t0 = Date.UTC(2026, 0, 1, 10);
const click = (user: string, at: number): string =>
  JSON.stringify({ user_id: user, event_timestamp: at, device_type: "mobile" });
const replayed = (lines: readonly string[]) =>
  expectedSessions(lines, readApplicationSql("product"), {
    inputSchema: sqlApplications.product.inputSchema,
  });

/** A queue in memory: what SQS holds, and what was deleted. */
class MemoryQueue implements FailedBatchQueue {
  public readonly deleted: string[] = [];
  public constructor(private messages: QueuedMessage[]) {}

  public receive(max: number): Promise<QueuedMessage[]> {
    const taken = this.messages.slice(0, max);
    this.messages = this.messages.slice(max);
    return Promise.resolve(taken);
  }

  public delete(message: QueuedMessage): Promise<void> {
    this.deleted.push(message.id);
    return Promise.resolve();
  }
}

/** The on-failure record the event source mapping sends for a Kinesis batch. */
function failedBatchMessage(id: string, event: KinesisStreamEvent): QueuedMessage {
  const records = event.Records;
  const [shardId] = records[0].eventID.split(":");
  return {
    id,
    receiptHandle: `receipt-${id}`,
    body: JSON.stringify({
      requestContext: { condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      version: "1.0",
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: records[0].kinesis.sequenceNumber,
        endSequenceNumber: records[records.length - 1].kinesis.sequenceNumber,
        batchSize: records.length,
        streamArn: records[0].eventSourceARN,
      },
    }),
  };
}

describe("redrive of a range the event source mapping gave up on", () => {
  const emulators = emulatorsPerSuite();

  const redriveOptions = (tables: SessionizerTables, queue: FailedBatchQueue) => ({
    queue,
    kinesis: emulators.kinesis,
    region,
    batchSize: 3,
    attempts: 1,
    sessionizer: {
      client: emulators.dynamo,
      engine: new SessionizeEngine({
        sqlText: readApplicationSql("product"),
        inputSchema: sqlApplications.product.inputSchema,
      }),
      ...tables,
      logger: recordingLogger(),
      applicationArn: sessionizerFunctionArn,
    },
  });

  it("applies the range's unapplied records once, late, deletes the message, and changes nothing when run again", async () => {
    // Prepare: three batches of one shard; u2's state writes fail throughout the second
    const lines = [
      [click("u1", t0), click("u2", t0 + 1_000), click("u3", t0 + 2_000)],
      [click("u1", t0 + 20_000), click("u2", t0 + 21_000), click("u3", t0 + 40_000), "not json"],
      [click("u1", t0 + 60_000), click("u2", t0 + 5_000), click("u3", t0 + 61_000)],
    ];
    await createStream(emulators.kinesis, "redrive", 1);
    await putRecords(
      emulators.kinesis,
      "redrive",
      lines.flat().map((data) => ({ data, partitionKey: "p" })),
    );
    const arn = `arn:aws:kinesis:${region}:000000000000:stream/redrive`;
    const [records] = (await readShardEvents(emulators.kinesis, "redrive", arn, 100)).map((s) =>
      s.events.flatMap((e) => e.Records),
    );
    const batches = [records.slice(0, 3), records.slice(3, 7), records.slice(7)].map((Records) => ({
      Records,
    }));
    const tables = await createSessionizerTables(emulators.dynamo);
    const handler = sessionizerContainer(
      localHandlerEnv(emulators.proxy.endpoint, tables, {
        SQL_APPLICATION: "product",
        POWERTOOLS_METRICS_DISABLED: "false",
      }),
    );
    expect(await handler(batches[0], invocation())).to.deep.equal({ batchItemFailures: [] });
    emulators.proxy.fail(
      onStateItem("PutItem", partitionPk(keyText(["u2"]))),
      "ProvisionedThroughputExceededException",
    );
    // The mapping retries batch 2 from u2's record until it gives up and queues that range
    const answer = await handler(batches[1], invocation());
    const from = batches[1].Records.slice(1);
    expect(answer.batchItemFailures).to.deep.equal([
      { itemIdentifier: from[0].kinesis.sequenceNumber },
    ]);
    expect((await handler({ Records: from }, invocation())).batchItemFailures).to.have.length(1);
    const queue = new MemoryQueue([failedBatchMessage("m1", { Records: from })]);
    emulators.proxy.clear();
    // Act: the mapping moves on to batch 3, which notices the skipped range
    const { result: third, lines: out } = await capturingOutput(() =>
      handler(batches[2], invocation()),
    );
    const gapsBefore = await new StateTable(emulators.dynamo, tables.stateTable).gapsOf({
      streamArn: arn,
      shardId: "shardId-000000000000",
    });
    const outcomes: RedriveOutcome[] = await redrive(redriveOptions(tables, queue));
    const afterFirst = await sessionsIn(emulators.dynamo, tables.sessionsTable);
    const lettersAfterFirst = await scanAll(emulators.dynamo, tables.deadLetterTable);
    const again = await redrive(
      redriveOptions(tables, new MemoryQueue([failedBatchMessage("m1", { Records: from })])),
    );
    // Assess: batch 3 ran, counted the skipped range; the redrive applied u2's click of batch 2
    // after batch 3 (late: 16 s after u2's latest click, so it starts a session), skipping u3's,
    // which was applied before the mapping gave up; every user's window saw each click once
    expect(third).to.deep.equal({ batchItemFailures: [] });
    expect(metricTotal(out, "SkippedRanges")).to.equal(1);
    expect(gapsBefore.map((g) => g.from)).to.deep.equal([from[0].kinesis.sequenceNumber]);
    expect(outcomes.map((o) => [o.messageId, o.result, o.records])).to.deep.equal([
      ["m1", "redriven", 3],
    ]);
    expect(queue.deleted).to.deep.equal(["m1"]);
    const late = [lines[1][1]];
    const inOrder = [...lines[0], lines[1][0], lines[1][2], lines[1][3], ...lines[2]];
    expect(afterFirst).to.deep.equal(replayed([...inOrder, ...late]));
    expect(afterFirst.map((s) => s.session_id)).to.include("u2_2026-01-01T10:00:21.000Z");
    for (const user of ["u1", "u2", "u3"]) {
      const [item] = (await scanAll(emulators.dynamo, tables.stateTable)).filter(
        (i) => i.pk.S === partitionPk(keyText([user])),
      );
      const windows = JSON.parse(item.windows.S!) as { state: { rows: number } }[];
      expect(windows[0].state.rows, `clicks of ${user} in its window`).to.equal(3);
    }
    expect(
      await new StateTable(emulators.dynamo, tables.stateTable).gapsOf({
        streamArn: arn,
        shardId: "shardId-000000000000",
      }),
    ).to.deep.equal([]);
    expect(again.map((o) => o.result)).to.deep.equal(["redriven"]);
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(afterFirst);
    expect(await scanAll(emulators.dynamo, tables.deadLetterTable)).to.have.length(
      lettersAfterFirst.length,
    );
  });

  it("keeps a message whose range the stream no longer holds, and one that is no failed batch", async () => {
    // Prepare
    const tables = await createSessionizerTables(emulators.dynamo);
    await createStream(emulators.kinesis, "expired", 1);
    await putRecords(emulators.kinesis, "expired", [{ data: click("u1", t0), partitionKey: "p" }]);
    const arn = `arn:aws:kinesis:${region}:000000000000:stream/expired`;
    const gone: QueuedMessage = {
      id: "gone",
      receiptHandle: "r1",
      body: JSON.stringify({
        KinesisBatchInfo: {
          shardId: "shardId-000000000000",
          startSequenceNumber: "1",
          endSequenceNumber: "2",
          streamArn: arn,
        },
      }),
    };
    const junk: QueuedMessage = { id: "junk", receiptHandle: "r2", body: '{"hello":1}' };
    const queue = new MemoryQueue([gone, junk]);
    // Act
    const outcomes = await redrive(redriveOptions(tables, queue));
    // Assess
    expect(outcomes.map((o) => [o.messageId, o.result]).sort()).to.deep.equal([
      ["gone", "expired"],
      ["junk", "malformed"],
    ]);
    expect(queue.deleted).to.deep.equal([]);
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal([]);
  });

  it("reads the batch out of the mapping's on-failure record, naming what is wrong otherwise", () => {
    const body = JSON.stringify({
      KinesisBatchInfo: {
        shardId: "shardId-000000000001",
        startSequenceNumber: "49601189658422359378836298521827638475320189012309704722",
        endSequenceNumber: "49601189658422359378836298522902373528957594348623495186",
        streamArn: "arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
      },
    });
    expect(parseFailedBatch(body)).to.deep.equal({
      streamArn: "arn:aws:kinesis:us-east-2:123456789012:stream/mystream",
      shardId: "shardId-000000000001",
      startSequenceNumber: "49601189658422359378836298521827638475320189012309704722",
      endSequenceNumber: "49601189658422359378836298522902373528957594348623495186",
    });
    expect(() => parseFailedBatch("{}")).to.throw(/no KinesisBatchInfo/);
    expect(() =>
      parseFailedBatch(
        JSON.stringify({ KinesisBatchInfo: { ...JSON.parse(body).KinesisBatchInfo, shardId: 7 } }),
      ),
    ).to.throw("KinesisBatchInfo.shardId is 7; expected a shard id (shardId-000000000000)");
  });
});
