/**
 * The guarantees of engine lambda (docs/engines.md, "Guarantees"), each tested through the
 * sessionizer's exported `handler` as Lambda calls it: Kinesis events read from kinesalite in, the
 * partial-batch answer out, dynalite behind a proxy that can order two invocations, fail one key's
 * writes or drop everything after a given write (an invocation that dies there). The target of
 * every case: the sessions table equals the replay of the same good clicks (in some order of the
 * shards' batches, where one user's clicks are on two shards), and no row is lost or invented.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { readApplicationSql } from "../../sql/applications";
import { productInputSchema } from "../../sql/inputSchema";
import { partitionPk } from "../../handlers/sessionize/stateTable";
import { keyText } from "../../handlers/sessionize/engine";
import { createTable } from "../../harness/local/localStack";
import { clickstream, type Click } from "../support/clickstream";
import { freshTableName, scanAll } from "../support/dynamo";
import { emulatorsPerSuite } from "../support/emulators";
import { onStateItem } from "../support/gateProxy";
import { createStream, putRecords, readShardEvents } from "../support/kinesis";
import {
  capturingOutput,
  deliveryContainer,
  invocation,
  localHandlerEnv,
  metricTotal,
  sessionizerContainer,
  type Sessionizer,
} from "../support/lambda";
import { base64Json, kdaEvent, sessionRow } from "../support/records";
import {
  createSessionizerTables,
  expectedSessions,
  sessionsIn,
  tableText,
  type SessionizerTables,
} from "../support/sessionizer";
import type { SessionItem } from "../../sql/contracts";

const productSql = readApplicationSql("product");

/** What the product application makes of `lines` replayed in this order. */
const replayed = (lines: readonly string[]): SessionItem[] =>
  expectedSessions(lines, productSql, { inputSchema: productInputSchema });

/** The shard (of 2) Kinesis puts a partition key on: the MD5 hash's half of the key space. */
const shardOfKey = (key: string): number =>
  createHash("md5").update(key).digest()[0] < 0x80 ? 0 : 1;

/** The first partition key `${prefix}N` that lands on `shard` (of 2). */
function keyOnShard(prefix: string, shard: number): string {
  for (let n = 0; ; n++) if (shardOfKey(`${prefix}${n}`) === shard) return `${prefix}${n}`;
}

const click = (user: string, at: number, device = "mobile"): string =>
  JSON.stringify({ user_id: user, event_timestamp: at, device_type: device });

const t0 = Date.UTC(2026, 0, 1, 10);

describe("the sessionizer's guarantees, through its exported handler", function () {
  const emulators = emulatorsPerSuite();
  let streams = 0;

  /** `clicks` put on a fresh 2-shard stream and read back as GetRecords batches of `limit`. */
  async function shardEvents(clicks: readonly Click[], limit: number) {
    streams += 1;
    const name = `guarantees-${streams}`;
    const arn = await createStream(emulators.kinesis, name, 2);
    await putRecords(emulators.kinesis, name, clicks);
    return (await readShardEvents(emulators.kinesis, name, arn, limit)).map((s) => s.events);
  }

  /** A sessionizer container running the product application against `tables` via the proxy. */
  const container = (tables: SessionizerTables, extra: Record<string, string> = {}) =>
    sessionizerContainer(
      localHandlerEnv(emulators.proxy.endpoint, tables, { SQL_APPLICATION: "product", ...extra }),
    );

  /**
   * Invokes `handler` with `event` as the event source mapping does: after a batch item failure,
   * again from the failed record (after a pause), until the batch is done.
   */
  async function untilDone(handler: Sessionizer, event: KinesisStreamEvent): Promise<number> {
    let records = event.Records;
    for (let attempt = 1; attempt <= 200; attempt++) {
      const answer = await handler({ Records: records }, invocation());
      const failed = answer.batchItemFailures[0]?.itemIdentifier;
      if (failed === undefined) return attempt;
      records = records.slice(records.findIndex((r) => r.kinesis.sequenceNumber === failed));
      await sleep(100);
    }
    throw new Error("the batch never completed");
  }

  /** The shards' batches in the order s0b0, s1b0, s0b1, s1b1, ... */
  const interleaved = (shards: readonly KinesisStreamEvent[][]): KinesisStreamEvent[] => {
    const out: KinesisStreamEvent[] = [];
    for (let i = 0; i < Math.max(...shards.map((s) => s.length)); i++)
      for (const shard of shards) if (i < shard.length) out.push(shard[i]);
    return out;
  };

  describe("crashes between any two writes", () => {
    const clicks = clickstream({ seed: 11, count: 90, users: 5 });
    let batches: KinesisStreamEvent[];
    let clean: SessionizerTables;
    /** The batch the invocations die in (shard 0's second), and its writes in a clean run. */
    const dying = 2;
    let writes = 0;

    before(async () => {
      batches = interleaved(await shardEvents(clicks, 15));
      clean = await createSessionizerTables(emulators.dynamo);
      const handler = container(clean);
      for (const [i, event] of batches.entries()) {
        const before = emulators.proxy.calls.length;
        expect(await untilDone(handler, event)).to.equal(1);
        if (i === dying) {
          writes = emulators.proxy.calls
            .slice(before)
            .filter((c) =>
              ["PutItem", "UpdateItem", "BatchWriteItem"].includes(c.operation),
            ).length;
        }
      }
    });

    it("runs clean to the replay of the clickstream", async () => {
      expect(batches.length).to.be.greaterThan(dying + 2);
      expect(writes).to.be.greaterThan(5);
      expect(await sessionsIn(emulators.dynamo, clean.sessionsTable)).to.deep.equal(
        replayed(clicks.map((c) => c.data)),
      );
    });

    for (const answered of [true, false]) {
      const how = answered
        ? "the mapping retries from the record it answered"
        : "the answer is lost and the mapping retries the whole batch";
      it(`leaves the clean run's tables when an invocation dies before any of its writes and ${how}`, async function () {
        for (let k = 0; k <= writes; k++) {
          // Prepare
          const tables = await createSessionizerTables(emulators.dynamo);
          const handler = container(tables);
          for (const event of batches.slice(0, dying)) await untilDone(handler, event);
          // Act: the invocation dies after k writes; a new container takes the retries
          emulators.proxy.crashAfterWrites(k);
          const answer: KinesisStreamBatchResponse = await container(tables)(
            batches[dying],
            invocation(1_500),
          );
          emulators.proxy.restore();
          const failed = answer.batchItemFailures[0]?.itemIdentifier;
          const records = batches[dying].Records;
          const from =
            answered && failed !== undefined ? failed : records[0].kinesis.sequenceNumber;
          const retried = container(tables);
          await untilDone(retried, {
            Records: records.slice(records.findIndex((r) => r.kinesis.sequenceNumber === from)),
          });
          for (const event of batches.slice(dying + 1)) await untilDone(retried, event);
          // Assess
          const label = `dead after ${k} of ${writes} writes`;
          expect(await sessionsIn(emulators.dynamo, tables.sessionsTable), label).to.deep.equal(
            await sessionsIn(emulators.dynamo, clean.sessionsTable),
          );
          const volatile = ["invocationId", "receivedAt", "recordId"];
          expect(
            await tableText(emulators.dynamo, tables.deadLetterTable, volatile),
            label,
          ).to.deep.equal(await tableText(emulators.dynamo, clean.deadLetterTable, volatile));
          expect(await tableText(emulators.dynamo, tables.stateTable), label).to.deep.equal(
            await tableText(emulators.dynamo, clean.stateTable),
          );
        }
      });
    }
  });

  describe("no phantom rows", () => {
    it("keeps only the sessions of one order when two shards carry one user's clicks at once", async () => {
      // Prepare: u1 clicks at 10:00:00 on shard 0 and at 10:00:05 on shard 1. Applied in either
      // order they make one session, at 10:00:00 or at 10:00:05, never both.
      const clicks = [
        { data: click("u1", t0), partitionKey: keyOnShard("a", 0) },
        { data: click("u1", t0 + 5_000), partitionKey: keyOnShard("b", 1) },
      ];
      const [shard0, shard1] = await shardEvents(clicks, 10);
      const tables = await createSessionizerTables(emulators.dynamo);
      const first = container(tables);
      const second = container(tables);
      // Act: shard 0's invocation reads u1 and is held at its commit; shard 1's runs meanwhile
      const held = emulators.proxy.hold(onStateItem("PutItem", partitionPk(keyText(["u1"]))));
      const slow = first(shard0[0], invocation());
      await held.reached;
      const fast = await second(shard1[0], invocation());
      held.release();
      // Assess: the held one lost its condition, reran u1's click on top of the newer state
      expect(fast.batchItemFailures).to.deep.equal([]);
      expect((await slow).batchItemFailures).to.deep.equal([]);
      expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
        replayed([clicks[1].data, clicks[0].data]),
      );
      expect(
        (await scanAll(emulators.dynamo, tables.stateTable)).filter((i) => i.pending),
      ).to.deep.equal([]);
    });

    it("leaves per user the replay of some order of the shards' batches, with every batch run concurrently", async () => {
      // Prepare: three users whose clicks go to both shards (partition keys other than the user),
      // each click 10.5 s after the user's previous one: in order each starts a session, out of
      // order (a negative gap) none does, so every order of the batches leaves another table
      const users = ["u1", "u2", "u3"];
      const clicks: Click[] = [];
      for (let n = 0; n < 24; n++) {
        const user = users[n % users.length];
        clicks.push({ data: click(user, t0 + n * 3_500), partitionKey: `k${(n * 7919) % 101}` });
      }
      const shards = await shardEvents(clicks, 6);
      const tables = await createSessionizerTables(emulators.dynamo);
      // Act: one container per shard, both shards at once
      await Promise.all(
        shards.map(async (events) => {
          const handler = container(tables);
          for (const event of events) await untilDone(handler, event);
        }),
      );
      // Assess: for each user, the table holds the replay of one interleaving of its batches
      const stored = await sessionsIn(emulators.dynamo, tables.sessionsTable);
      for (const user of users) {
        const perShard = shards.map((events) =>
          events
            .map((e) =>
              e.Records.map((r) => Buffer.from(r.kinesis.data, "base64").toString("utf8")).filter(
                (line) => (JSON.parse(line) as { user_id: string }).user_id === user,
              ),
            )
            .filter((lines) => lines.length > 0),
        );
        const candidates = interleavings(perShard[0], perShard[1]).map((order) =>
          JSON.stringify(replayed(order.flat())),
        );
        const actual = JSON.stringify(stored.filter((s) => s.user_id === user));
        expect(candidates, `${user}'s sessions`).to.include(actual);
      }
    });
  });

  describe("one batch per shard at a time", () => {
    it("refuses an overlapping batch of a shard that another invocation holds, counts it, and loses nothing", async () => {
      // Prepare
      const clicks = clickstream({ seed: 5, count: 40, users: 3 }).map((c) => ({
        ...c,
        partitionKey: "one-shard",
      }));
      const [events] = (await shardEvents(clicks, 100)).filter((s) => s.length > 0);
      const records = events[0].Records;
      const early = { Records: records.slice(0, 20) };
      const overlapping = { Records: records.slice(10, 30) };
      const tables = await createSessionizerTables(emulators.dynamo);
      const holder = container(tables);
      const intruder = container(tables, { POWERTOOLS_METRICS_DISABLED: "false" });
      // Act: the first invocation is held at its first commit; the overlapping one comes in
      const held = emulators.proxy.hold((call) => call.operation === "PutItem");
      const first = holder(early, invocation());
      await held.reached;
      const { result: refused, lines } = await capturingOutput(() =>
        intruder(overlapping, invocation()),
      );
      held.release();
      // Assess: refused from its first record, counted; then everything in order
      expect(refused.batchItemFailures).to.deep.equal([
        { itemIdentifier: overlapping.Records[0].kinesis.sequenceNumber },
      ]);
      expect(metricTotal(lines, "ConcurrentBatches")).to.equal(1);
      expect((await first).batchItemFailures).to.deep.equal([]);
      await untilDone(intruder, overlapping);
      await untilDone(holder, { Records: records.slice(30) });
      expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
        replayed(clicks.map((c) => c.data)),
      );
    });
  });

  describe("configuration errors are not bad data", () => {
    const clicks = [click("u1", t0), click("u2", t0 + 1_000), "not json"];

    async function oneBatch(): Promise<KinesisStreamEvent> {
      const [events] = (
        await shardEvents(
          clicks.map((data) => ({ data, partitionKey: "p" })),
          10,
        )
      ).filter((s) => s.length > 0);
      return events[0];
    }

    for (const [what, key] of [
      ["keyed by id", { name: "id", type: "S" }],
      ["keyed by user_id", { name: "user_id", type: "S" }],
      ["missing", null],
    ] as const) {
      it(`fails the batch, logs the table and the cause, and dead-letters nothing when the sessions table is ${what}`, async () => {
        // Prepare
        const event = await oneBatch();
        const tables = await createSessionizerTables(emulators.dynamo);
        const wrong = freshTableName("wrong-sessions");
        if (key !== null)
          await createTable(emulators.dynamo, { name: wrong, shape: { hashKey: key } });
        const misconfigured = container(
          { ...tables, sessionsTable: wrong },
          { POWERTOOLS_LOG_LEVEL: "ERROR", POWERTOOLS_METRICS_DISABLED: "false" },
        );
        // Act
        const { result: answer, lines } = await capturingOutput(() =>
          misconfigured(event, invocation()),
        );
        // Assess: retried from the first record, nothing stored anywhere, the cause named
        expect(answer.batchItemFailures).to.deep.equal([
          { itemIdentifier: event.Records[0].kinesis.sequenceNumber },
        ]);
        expect(await scanAll(emulators.dynamo, tables.deadLetterTable)).to.deep.equal([]);
        if (key !== null) expect(await scanAll(emulators.dynamo, wrong)).to.deep.equal([]);
        const error = lines.find((line) => line.level === "ERROR");
        expect(error).to.include({ table: wrong });
        expect(String(error?.cause)).to.match(
          key === null ? /does not exist/ : new RegExp(`key is ${key.name} \\(HASH, S\\)`),
        );
        expect(metricTotal(lines, "TableErrors")).to.be.greaterThan(0);
        // Act: the stack is fixed, Lambda retries the batch
        await untilDone(container(tables), event);
        // Assess
        expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
          replayed(clicks),
        );
      });
    }

    it("fails the batch, logs an ERROR naming the state table and counts a table error when the state table is missing", async () => {
      // Prepare
      const event = await oneBatch();
      const tables = await createSessionizerTables(emulators.dynamo);
      const missing = freshTableName("missing-state");
      const misconfigured = container(
        { ...tables, stateTable: missing },
        { POWERTOOLS_LOG_LEVEL: "ERROR", POWERTOOLS_METRICS_DISABLED: "false" },
      );
      // Act
      const { result: answer, lines } = await capturingOutput(() =>
        misconfigured(event, invocation()),
      );
      // Assess: retried from the first record, nothing stored, the table and the cause named
      expect(answer.batchItemFailures).to.deep.equal([
        { itemIdentifier: event.Records[0].kinesis.sequenceNumber },
      ]);
      expect(await scanAll(emulators.dynamo, tables.sessionsTable)).to.deep.equal([]);
      expect(await scanAll(emulators.dynamo, tables.deadLetterTable)).to.deep.equal([]);
      const error = lines.find((line) => line.level === "ERROR");
      expect(error).to.include({ table: missing });
      expect(String(error?.cause)).to.match(/^ResourceNotFoundException: /);
      expect(metricTotal(lines, "TableErrors")).to.be.greaterThan(0);
      // Act: the stack is fixed, Lambda retries the batch
      await untilDone(container(tables), event);
      // Assess
      expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
        replayed(clicks),
      );
    });

    it("answers DeliveryFailed from the KDA delivery function, and dead-letters nothing, when its sessions table is keyed differently", async () => {
      // Prepare
      const tables = await createSessionizerTables(emulators.dynamo);
      const wrong = freshTableName("wrong-sessions");
      await createTable(emulators.dynamo, {
        name: wrong,
        shape: { hashKey: { name: "id", type: "S" } },
      });
      const deliver = deliveryContainer(
        localHandlerEnv(
          emulators.proxy.endpoint,
          { ...tables, sessionsTable: wrong },
          {
            POWERTOOLS_LOG_LEVEL: "ERROR",
          },
        ),
      );
      const rows = [sessionRow(1), sessionRow(2)];
      // Act
      const { result: response, lines } = await capturingOutput(() =>
        deliver(kdaEvent(rows.map(base64Json)), invocation()),
      );
      // Assess
      expect(response.records.map((r) => r.result)).to.deep.equal([
        "DeliveryFailed",
        "DeliveryFailed",
      ]);
      expect(await scanAll(emulators.dynamo, tables.deadLetterTable)).to.deep.equal([]);
      expect(lines.find((line) => line.level === "ERROR")).to.include({ table: wrong });
    });
  });

  describe("only infrastructure fails a batch, and from the failing record", () => {
    it("answers the first record of the key whose writes fail, keeps the other keys' progress, and completes on the retry", async () => {
      // Prepare: u2's state writes are throttled for good; u1 clicks first
      const lines = [
        click("u1", t0),
        click("u2", t0 + 1_000),
        click("u1", t0 + 2_000),
        "not json",
        click("u2", t0 + 30_000),
      ];
      const [events] = (
        await shardEvents(
          lines.map((data) => ({ data, partitionKey: "p" })),
          10,
        )
      ).filter((s) => s.length > 0);
      const event = events[0];
      const tables = await createSessionizerTables(emulators.dynamo);
      const handler = container(tables);
      emulators.proxy.fail(
        onStateItem("PutItem", partitionPk(keyText(["u2"]))),
        "ProvisionedThroughputExceededException",
      );
      // Act
      const answer = await handler(event, invocation());
      emulators.proxy.clear();
      // Assess: u2's first record is the one to retry from; u1's session is already stored
      expect(answer.batchItemFailures).to.deep.equal([
        { itemIdentifier: event.Records[1].kinesis.sequenceNumber },
      ]);
      expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
        replayed([lines[0], lines[2]]),
      );
      // Act: the mapping retries from there
      await untilDone(handler, { Records: event.Records.slice(1) });
      // Assess
      expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
        replayed(lines),
      );
      expect(await scanAll(emulators.dynamo, tables.deadLetterTable)).to.have.length(1);
    });
  });

  describe("dead letters are counted", () => {
    it("publishes the number of dead letters it wrote as the DeadLetters metric", async () => {
      const lines = [
        "not json",
        click("u1", t0),
        JSON.stringify([1]),
        JSON.stringify({ user_id: "u1", event_timestamp: "soon" }),
      ];
      const [events] = (
        await shardEvents(
          lines.map((data) => ({ data, partitionKey: "p" })),
          10,
        )
      ).filter((s) => s.length > 0);
      const tables = await createSessionizerTables(emulators.dynamo);
      const handler = container(tables, { POWERTOOLS_METRICS_DISABLED: "false" });
      const { result, lines: out } = await capturingOutput(() => handler(events[0], invocation()));
      expect(result.batchItemFailures).to.deep.equal([]);
      expect(metricTotal(out, "DeadLetters")).to.equal(3);
      expect(await scanAll(emulators.dynamo, tables.deadLetterTable)).to.have.length(3);
    });
  });
});

/** Every merge of `a` and `b` that keeps each one's order. */
function interleavings<T>(a: readonly T[], b: readonly T[]): T[][] {
  if (a.length === 0) return [[...b]];
  if (b.length === 0) return [[...a]];
  return [
    ...interleavings(a.slice(1), b).map((rest) => [a[0], ...rest]),
    ...interleavings(a, b.slice(1)).map((rest) => [b[0], ...rest]),
  ];
}
