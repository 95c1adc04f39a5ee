/**
 * Guarantee "bad input never blocks and is never lost" (docs/engines.md, "Guarantees"), as a
 * property: arbitrary bytes, arbitrary JSON, JSON nested up to 100,000 levels, odd Unicode and huge
 * values, mixed with good clicks, put on a kinesalite stream and sent in GetRecords batches to the
 * sessionizer's exported `handler` (the product application, dynalite healthy). No invocation may
 * report a failure, every bad record must be in the dead-letter table (its bytes in DATA_ROW),
 * nothing else may be, and the sessions table must equal the replay of the good clicks alone.
 */
import { expect } from "chai";
import fc from "fast-check";
import { DEAD_LETTER_LIMITS } from "../../handlers/delivery/deadLetter";
import { readApplicationSql } from "../../sql/applications";
import { productInputSchema } from "../../sql/inputSchema";
import { dynalitePerSuite, scanAll } from "../support/dynamo";
import {
  createStream,
  putRecords,
  readShardEvents,
  startKinesalite,
  type Kinesalite,
} from "../support/kinesis";
import {
  invocation,
  localHandlerEnv,
  restoreEnvironment,
  sessionizerContainer,
} from "../support/lambda";
import { createSessionizerTables, expectedSessions, sessionsIn } from "../support/sessionizer";

const seed = Number(process.env.POISON_PROPERTY_SEED ?? 20260110);
const numRuns = Number(process.env.POISON_PROPERTY_RUNS ?? 12);
const t0 = Date.UTC(2026, 0, 1, 10);

/** A record and whether it is a good click (it maps to a row with a user and a time). */
interface Sample {
  readonly bytes: Buffer;
  readonly good: boolean;
}

const text = (s: string): Buffer => Buffer.from(s, "utf8");

/**
 * DATA_ROW as a dead letter keeps it: the record's bytes as hex, cut to the column's 49,152
 * characters and then to the dead letter's 24,000 bytes per column.
 */
const dataRow = (bytes: Buffer): string =>
  bytes.toString("hex").slice(0, 49_152).slice(0, DEAD_LETTER_LIMITS.columnBytes);

/** `[[[...]]]` nested `depth` levels: JSON that `JSON.stringify` cannot follow past ~10,000. */
const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

const goodClick: fc.Arbitrary<Sample> = fc
  .record({
    user: fc.constantFrom(
      "u1",
      "u2",
      "x".repeat(200),
      "😀ünï",
      "550e8400-e29b-41d4-a716-446655440000",
    ),
    gap: fc.constantFrom(2_000, 10_000, 10_001, 30_000),
    device: fc.constantFrom("desktop", "d".repeat(64), "\u0000\u202e"),
  })
  .map(({ user, gap, device }) => ({ user, gap, device }))
  .map(({ user, gap, device }) => ({
    bytes: text(JSON.stringify({ user_id: user, event_timestamp: gap, device_type: device })),
    good: true,
  }));

const badRecord: fc.Arbitrary<Sample> = fc
  .oneof(
    // Arbitrary bytes (not UTF-8, not JSON; never a JSON object with a user and a time).
    fc.uint8Array({ minLength: 1, maxLength: 48 }).map((bytes) => Buffer.from(bytes)),
    // JSON that is not an object.
    fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
      .map((v) => text(JSON.stringify(v) ?? "null")),
    // A click whose device_type is nested up to 100,000 levels deep.
    fc
      .integer({ min: 1, max: 100_000 })
      .map((depth) => text(`{"user_id":"u1","event_timestamp":1,"device_type":${nested(depth)}}`)),
    // A whole record nested that deep.
    fc.integer({ min: 1, max: 100_000 }).map((depth) => text(nested(depth))),
    // Objects nested in the user id.
    fc
      .integer({ min: 1, max: 50_000 })
      .map((depth) =>
        text(`{"user_id":${'{"a":'.repeat(depth)}1${"}".repeat(depth)},"event_timestamp":1}`),
      ),
    // Odd Unicode and huge values where a number must be.
    fc
      .oneof(
        // Any text but a plain integer, which is a valid time.
        fc.string({ unit: "binary", maxLength: 8 }).filter((v) => !/^-?\d+$/.test(v)),
        fc.constant("9".repeat(100_000)),
        fc.constant("\ud800"),
      )
      .map((v) => text(JSON.stringify({ user_id: "u1", event_timestamp: v }))),
  )
  .map((bytes): Sample => ({ bytes, good: false }));

describe("the sessionizer on arbitrary bad input (property, through its handler)", () => {
  const dynamo = dynalitePerSuite();
  let kinesis: Kinesalite;
  let streams = 0;

  before(async () => {
    kinesis = await startKinesalite();
  });
  after(async () => {
    restoreEnvironment();
    await kinesis.close();
  });

  it("never reports a failure while DynamoDB is healthy, dead-letters every bad record and sessionizes the good ones", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof({ weight: 2, arbitrary: goodClick }, { weight: 3, arbitrary: badRecord }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        fc.integer({ min: 1, max: 5 }),
        async (drawn, batchSize) => {
          // Prepare: good clicks get increasing event times; everything goes onto one shard
          let clock = t0;
          const samples = drawn.map((sample) => {
            if (!sample.good) return sample;
            const click = JSON.parse(sample.bytes.toString("utf8")) as Record<string, unknown>;
            clock += click.event_timestamp as number;
            return { ...sample, bytes: text(JSON.stringify({ ...click, event_timestamp: clock })) };
          });
          streams += 1;
          const name = `poison-${streams}`;
          const arn = await createStream(kinesis.client, name, 1);
          await putRecords(
            kinesis.client,
            name,
            samples.map((s) => ({ data: s.bytes, partitionKey: "p" })),
          );
          const [shard] = await readShardEvents(kinesis.client, name, arn, batchSize);
          const tables = await createSessionizerTables(dynamo.client);
          const handler = sessionizerContainer(
            localHandlerEnv(dynamo.endpoint, tables, { SQL_APPLICATION: "product" }),
          );
          // Act
          const answers = [];
          for (const event of shard.events) answers.push(await handler(event, invocation()));
          // Assess
          expect(answers.flatMap((a) => a.batchItemFailures)).to.deep.equal([]);
          const letters = await scanAll(dynamo.client, tables.deadLetterTable);
          const dataRows = new Set(letters.map((l) => l.errorStream?.M?.DATA_ROW?.S));
          const badRows = new Set(samples.filter((s) => !s.good).map((s) => dataRow(s.bytes)));
          for (const row of badRows)
            expect(dataRows.has(row), `dead letter of ${row.slice(0, 80)}`).to.equal(true);
          for (const row of dataRows)
            expect(badRows.has(row ?? ""), "an invented dead letter").to.equal(true);
          const good = samples.filter((s) => s.good).map((s) => s.bytes.toString("utf8"));
          expect(await sessionsIn(dynamo.client, tables.sessionsTable)).to.deep.equal(
            expectedSessions(good, readApplicationSql("product"), {
              inputSchema: productInputSchema,
            }),
          );
        },
      ),
      { seed, numRuns },
    );
  });
});
