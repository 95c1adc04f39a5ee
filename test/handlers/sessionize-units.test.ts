import { expect } from "chai";
import type { KinesisStreamRecord } from "aws-lambda";
import {
  keyText,
  SessionizeEngine,
  UnsupportedPartitioningError,
} from "../../handlers/sessionize/engine";
import {
  arrivalMs,
  compareSequence,
  groupByShard,
  sessionizeEvent,
} from "../../handlers/sessionize/sessionizeEvent";
import { shardPk } from "../../handlers/sessionize/stateTable";
import { dynalitePerSuite, scanAll } from "../support/dynamo";
import { toEventRecord } from "../support/kinesis";
import { createSessionizerTables, sessionizerDeps, sessionsIn } from "../support/sessionizer";

const streamArn = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks";

/** A Kinesis event record as Lambda delivers it. */
function kinesisRecord(
  data: unknown,
  options: { sequence: string; shardId?: string; arrivalSeconds: number },
): KinesisStreamRecord {
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return toEventRecord(
    {
      PartitionKey: "p",
      SequenceNumber: options.sequence,
      Data: Buffer.from(text, "utf8"),
      ApproximateArrivalTimestamp: new Date(Math.round(options.arrivalSeconds * 1000)),
    },
    options.shardId ?? "shardId-000000000000",
    streamArn,
  );
}

const click = (user: string, at: number): Record<string, unknown> => ({
  user_id: user,
  event_timestamp: at,
  event_name: "click",
  event_type: "click",
  device_type: "mobile",
});

describe("the sessionizer's pieces", () => {
  describe("sequence numbers and arrival times", () => {
    it("compares sequence numbers longer than 2^53 as integers, not as text or doubles", () => {
      const a = "49590338271490256608559692538361571095921575989136588898";
      const b = "49590338271490256608559692538361571095921575989136588899";
      expect(compareSequence(a, b)).to.equal(-1);
      expect(compareSequence(b, a)).to.equal(1);
      expect(compareSequence("9", "10")).to.equal(-1);
      expect(compareSequence(a, a)).to.equal(0);
    });

    it("turns approximateArrivalTimestamp seconds into whole milliseconds without float drift", () => {
      const record = kinesisRecord("{}", { sequence: "1", arrivalSeconds: 1545084650.987 });
      expect(arrivalMs(record)).to.equal(1545084650987);
    });

    it("groups an event's records by shard and puts each group in sequence order", () => {
      const records = [
        kinesisRecord("{}", { sequence: "30", shardId: "shardId-000000000001", arrivalSeconds: 1 }),
        kinesisRecord("{}", { sequence: "100", arrivalSeconds: 1 }),
        kinesisRecord("{}", { sequence: "99", arrivalSeconds: 1 }),
      ];
      const groups = groupByShard(records);
      expect(groups.map((g) => g.shard.shardId)).to.deep.equal([
        "shardId-000000000001",
        "shardId-000000000000",
      ]);
      expect(groups[1].records.map((r) => r.kinesis.sequenceNumber)).to.deep.equal(["99", "100"]);
    });
  });

  describe("the engine", () => {
    it("keys a record by its mapped user_id, truncated to the schema's VARCHAR(32)", () => {
      const engine = new SessionizeEngine();
      const long = "u".repeat(40);
      const decoded = engine.decode(Buffer.from(JSON.stringify(click(long, 1))));
      expect(decoded.key).to.equal(keyText(["u".repeat(32)]));
    });

    it("gives no key to records that never reach a window: not JSON, or failing the schema", () => {
      const engine = new SessionizeEngine();
      expect(engine.decode(Buffer.from("not json")).key).to.equal(null);
      const bad = { user_id: "user1", event_timestamp: "later" };
      expect(engine.decode(Buffer.from(JSON.stringify(bad))).key).to.equal(null);
    });

    it("puts records without a user_id in the one NULL partition", () => {
      const engine = new SessionizeEngine();
      const decoded = engine.decode(Buffer.from(JSON.stringify({ event_timestamp: 5 })));
      expect(decoded.key).to.equal("[null]");
    });

    it("refuses SQL whose window partitions by a column other than the configured one", () => {
      const sqlText = `
        CREATE OR REPLACE STREAM "OUT" ("n" BIGINT);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM COUNT(*) OVER (PARTITION BY "device_type" ROWS 5 PRECEDING) AS "n"
        FROM "SOURCE_SQL_STREAM_001";`;
      const engine = new SessionizeEngine({ sqlText, outputStreams: ["error_stream"] });
      const record = engine.decode(Buffer.from(JSON.stringify(click("user1", 1))));
      engine.begin(null, new Map([[record.key!, null]]));
      expect(() => engine.push(record, 1)).to.throw(UnsupportedPartitioningError, /"user_id"/);
    });

    it("names the streams it knows when asked to deliver one the SQL does not declare", () => {
      const sqlText = `
        CREATE OR REPLACE STREAM "OUT" ("n" BIGINT);
        CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT"
        SELECT STREAM "event_timestamp" AS "n" FROM "SOURCE_SQL_STREAM_001";`;
      expect(() => new SessionizeEngine({ sqlText })).to.throw(/"DESTINATION_SQL_STREAM".*"OUT"/);
    });
  });

  describe("ROWTIME and the stored state", () => {
    const dynamo = dynalitePerSuite();

    it("keeps ROWTIME non-decreasing per shard when an arrival time goes back", async () => {
      // Prepare: the second record arrived "earlier" than the first; the third is not JSON
      const tables = await createSessionizerTables(dynamo.client);
      const base = Date.UTC(2026, 0, 1, 10) / 1000;
      const event = {
        Records: [
          kinesisRecord(click("user1", 1000), { sequence: "1", arrivalSeconds: base + 5 }),
          kinesisRecord(click("user1", 2000), { sequence: "2", arrivalSeconds: base + 1 }),
          kinesisRecord("oops", { sequence: "3", arrivalSeconds: base + 2 }),
        ],
      };
      // Act
      const answer = await sessionizeEvent(event, sessionizerDeps(dynamo.client, tables));
      // Assess: the error row carries the clamped ROWTIME, and so does the shard's item
      expect(answer.batchItemFailures).to.deep.equal([]);
      const [letter] = await scanAll(dynamo.client, tables.deadLetterTable);
      expect(letter.errorStream?.M?.ERROR_TIME?.S).to.equal("2026-01-01 10:00:05.000");
      const items = await scanAll(dynamo.client, tables.stateTable);
      const shard = items.find(
        (item) => item.pk.S === shardPk({ streamArn, shardId: "shardId-000000000000" }),
      );
      expect(shard?.lastRowtime?.N).to.equal(String(Date.UTC(2026, 0, 1, 10, 0, 5)));
      expect(shard?.sequence?.S).to.equal("3");
    });

    it("starts a session in a later batch only when the gap to the stored previous click is over 10 s", async () => {
      // Prepare: two batches; the second's first click is 10 000 ms after the first batch's last
      const tables = await createSessionizerTables(dynamo.client);
      const t = Date.UTC(2026, 0, 1, 10);
      const first = {
        Records: [kinesisRecord(click("user1", t), { sequence: "1", arrivalSeconds: 1 })],
      };
      const second = {
        Records: [
          kinesisRecord(click("user1", t + 10_000), { sequence: "2", arrivalSeconds: 2 }),
          kinesisRecord(click("user1", t + 20_001), { sequence: "3", arrivalSeconds: 3 }),
        ],
      };
      // Act: each batch in a new engine, so only the stored state links them
      await sessionizeEvent(first, sessionizerDeps(dynamo.client, tables));
      await sessionizeEvent(second, sessionizerDeps(dynamo.client, tables));
      // Assess
      expect(
        (await sessionsIn(dynamo.client, tables.sessionsTable)).map((s) => s.session_id),
      ).to.deep.equal(["user1_mobile_10:00:00", "user1_mobile_10:00:20"]);
    });
  });
});
