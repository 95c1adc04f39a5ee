import { expect } from "chai";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { handler as Handler } from "../../handlers/sessionize-stream";
import { SessionizeEngine } from "../../handlers/sessionize/engine";
import { sessionizeEvent } from "../../handlers/sessionize/sessionizeEvent";
import { partitionPk } from "../../handlers/sessionize/stateTable";
import { clickstream, type Click } from "../support/clickstream";
import { clientFor, credentials, region, scanAll } from "../support/dynamo";
import { emulatorsPerSuite } from "../support/emulators";
import { createStream, putRecords, readShardEvents } from "../support/kinesis";
import { lambdaContext } from "../support/records";
import {
  crashingClient,
  createSessionizerTables,
  expectedErrorNames,
  expectedSessions,
  functionArn,
  sessionizerDeps,
  sessionsIn,
  tableText,
  type SessionizerTables,
} from "../support/sessionizer";

const handlerPath = require.resolve("../../handlers/sessionize-stream");

const savedEnv = { ...process.env };

/** Loads the handler module afresh under `env`, as Lambda's cold start would. */
function loadHandler(env: Record<string, string>): typeof Handler {
  delete require.cache[handlerPath];
  Object.assign(process.env, env);
  // require, not import(): the module must be evaluated again, after the environment is set
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(handlerPath) as { handler: typeof Handler }).handler;
}

const context = (): Parameters<typeof Handler>[1] => ({
  ...lambdaContext(),
  awsRequestId: "request-1",
  invokedFunctionArn: functionArn,
});

/** Interleaves the shards' batches (s0b0, s1b0, s0b1, ...), as concurrent shards would arrive. */
function interleave(shards: { events: KinesisStreamEvent[] }[]): KinesisStreamEvent[] {
  const out: KinesisStreamEvent[] = [];
  const longest = Math.max(...shards.map((s) => s.events.length));
  for (let i = 0; i < longest; i++)
    for (const shard of shards) if (i < shard.events.length) out.push(shard.events[i]);
  return out;
}

describe("the sessionize-stream Lambda (engine lambda)", function () {
  const emulators = emulatorsPerSuite();
  let clicks: Click[];
  let batches: KinesisStreamEvent[];
  /** The tables after one uninterrupted run over every batch: what every other run must equal. */
  let clean: SessionizerTables;
  let streamCounter = 0;

  /** The clickstream put into a fresh 2-shard stream and read back in GetRecords batches. */
  async function streamBatches(
    records: readonly Click[],
    limit: number,
  ): Promise<KinesisStreamEvent[]> {
    streamCounter += 1;
    const name = `clicks-${streamCounter}`;
    const arn = await createStream(emulators.kinesis, name, 2);
    await putRecords(emulators.kinesis, name, records);
    return interleave(await readShardEvents(emulators.kinesis, name, arn, limit));
  }

  async function runAll(
    tables: SessionizerTables,
    events: readonly KinesisStreamEvent[],
  ): Promise<void> {
    const deps = sessionizerDeps(emulators.dynamo, tables);
    for (const event of events) {
      expect(await sessionizeEvent(event, deps)).to.deep.equal({ batchItemFailures: [] });
    }
  }

  before(async () => {
    clicks = clickstream({ seed: 7, count: 600, users: 12 });
    batches = await streamBatches(clicks, 100);
    clean = await createSessionizerTables(emulators.dynamo);
    await runAll(clean, batches);
  });

  it("fills the sessions table exactly as the harness replay of the same clickstream does", async () => {
    // Prepare, Act: the clean run over the stream's GetRecords batches
    expect(batches.length).to.be.greaterThan(4);
    // Assess
    const sessions = await sessionsIn(emulators.dynamo, clean.sessionsTable);
    expect(sessions.length).to.be.greaterThan(50);
    expect(sessions).to.deep.equal(expectedSessions(clicks.map((c) => c.data)));
  });

  it("dead-letters the error_stream rows of the records that are not JSON or fail the schema", async () => {
    // Prepare, Act: the clean run
    // Assess
    const letters = await scanAll(emulators.dynamo, clean.deadLetterTable);
    const names = letters.map((item) => item.reason.S).sort();
    expect(names).to.deep.equal(expectedErrorNames(clicks.map((c) => c.data)));
    expect(names).to.have.length(3);
  });

  it("dead-letters a user id cut on input with a message naming its original length", async () => {
    // Prepare: a 100,000-character user_id, cut to the input column's 32, then too long for the
    // lab's VARCHAR(7)
    const tables = await createSessionizerTables(emulators.dynamo);
    const click = { user_id: "u".repeat(100_000), event_timestamp: 1654000000000 };
    const [event] = await streamBatches([{ data: JSON.stringify(click), partitionKey: "u" }], 10);
    // Act
    await runAll(tables, [event]);
    // Assess
    const letters = await scanAll(emulators.dynamo, tables.deadLetterTable);
    expect(letters.map((item) => [item.reason.S, item.message.S])).to.deep.equal([
      [
        "Value_Too_Long",
        'Value too long for column "user_id" VARCHAR(7): 100000 characters ' +
          `(truncated to 32 on input: "${"u".repeat(32)}"); allowed at most 7`,
      ],
    ]);
  });

  it("keeps per user exactly one applied event in the stored window state for each event sent", async () => {
    // Prepare, Act: the clean run
    // Assess: the LAG partition counts every row it saw, so a double-applied event would show
    const perUser = new Map<string, number>();
    for (const click of clicks) {
      const parsed = JSON.parse(click.data.startsWith("{") ? click.data : "{}") as {
        user_id?: unknown;
        event_timestamp?: unknown;
      };
      if (typeof parsed.user_id === "string" && typeof parsed.event_timestamp === "number")
        perUser.set(parsed.user_id, (perUser.get(parsed.user_id) ?? 0) + 1);
    }
    const items = await scanAll(emulators.dynamo, clean.stateTable);
    for (const [user, count] of perUser) {
      const item = items.find((i) => i.pk.S === partitionPk(JSON.stringify([user])));
      const windows = JSON.parse(item!.windows.S!) as { window: string; state: { rows: number } }[];
      expect(windows[0].state.rows, user).to.equal(count);
    }
  });

  it("skips every record of a batch delivered again after it was committed", async () => {
    // Prepare
    const before = await tableText(emulators.dynamo, clean.stateTable);
    const deps = sessionizerDeps(emulators.dynamo, clean);
    // Act
    const answer = await sessionizeEvent(batches[2], deps);
    // Assess: nothing applied, so no version moved
    expect(answer).to.deep.equal({ batchItemFailures: [] });
    expect(await tableText(emulators.dynamo, clean.stateTable)).to.deep.equal(before);
  });

  for (const writes of [0, 1, 2, 4]) {
    it(`loses and duplicates nothing when a batch dies after ${writes} of its writes (lease, state, rows, lease) and is retried by a fresh instance`, async () => {
      // Prepare: a run that crashes on batch 3
      const crashed = await createSessionizerTables(emulators.dynamo);
      await runAll(crashed, batches.slice(0, 3));
      const dying = sessionizerDeps(crashingClient(emulators.dynamoEndpoint, writes), crashed, {
        // a dead process retries nothing: give the delivery no time to retry the cut-off writes
        remainingTimeMs: lambdaContext(300).getRemainingTimeInMillis,
        tuning: { reserveMs: 0 },
      });
      const failedAnswer = await sessionizeEvent(batches[3], dying);
      // Act: Lambda retries the batch in a new container, then the stream goes on
      await runAll(crashed, batches.slice(3));
      // Assess
      const first = batches[3].Records[0].kinesis.sequenceNumber;
      expect(failedAnswer).to.deep.equal({ batchItemFailures: [{ itemIdentifier: first }] });
      expect(await sessionsIn(emulators.dynamo, crashed.sessionsTable)).to.deep.equal(
        await sessionsIn(emulators.dynamo, clean.sessionsTable),
      );
      expect(await tableText(emulators.dynamo, crashed.stateTable)).to.deep.equal(
        await tableText(emulators.dynamo, clean.stateTable),
      );
      expect(
        await tableText(emulators.dynamo, crashed.deadLetterTable, ["invocationId", "receivedAt"]),
      ).to.deep.equal(
        await tableText(emulators.dynamo, clean.deadLetterTable, ["invocationId", "receivedAt"]),
      );
    });
  }

  it("keeps the rows it could not write in the committed state and writes them when the batch is retried", async () => {
    // Prepare: no time left, so the delivery cannot write; a clean run of the same batch to compare
    const tables = await createSessionizerTables(emulators.dynamo);
    const once = await createSessionizerTables(emulators.dynamo);
    await runAll(once, batches.slice(0, 1));
    const starved = sessionizerDeps(emulators.dynamo, tables, { remainingTimeMs: () => 0 });
    // Act
    const answer = await sessionizeEvent(batches[0], starved);
    const pendingAfterFailure = (await scanAll(emulators.dynamo, tables.stateTable)).filter(
      (item) => item.pending !== undefined,
    );
    await runAll(tables, batches.slice(0, 1));
    // Assess: nothing reached the tables, the rows waited in the state, the retry wrote them
    expect(answer).to.deep.equal({
      batchItemFailures: [{ itemIdentifier: batches[0].Records[0].kinesis.sequenceNumber }],
    });
    expect(pendingAfterFailure.length).to.be.greaterThan(0);
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
      await sessionsIn(emulators.dynamo, once.sessionsTable),
    );
    expect(await tableText(emulators.dynamo, tables.stateTable)).to.deep.equal(
      await tableText(emulators.dynamo, once.stateTable),
    );
  });

  it("lets a second invocation of the same batch take over, and the first redoes its keys on top", async () => {
    // Prepare: two invocations of one batch; the first commits while the second still works
    const tables = await createSessionizerTables(emulators.dynamo);
    const once = await createSessionizerTables(emulators.dynamo);
    await runAll(once, batches.slice(0, 1));
    const slow = sessionizerDeps(emulators.dynamo, tables, { invocationId: "slow" });
    const racing = sessionizerDeps(emulators.dynamo, tables, { invocationId: "racing" });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    const stalled: DynamoDBClient = clientFor(emulators.dynamoEndpoint);
    stalled.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === "PutItemCommand") {
          reached();
          await held;
        }
        return next(args);
      },
      { step: "initialize", name: "stall" },
    );
    // Act: the slow one has read and is about to commit when the other one runs
    const slowAnswer = sessionizeEvent(batches[0], { ...slow, client: stalled });
    await atCommit;
    const racingAnswer = await sessionizeEvent(batches[0], racing);
    release();
    // Assess: the winner is done; the loser found its keys moved on, redid them (nothing left to
    // apply), lost the lease and asks only for the batch's last record again, which is all skipped
    expect(racingAnswer).to.deep.equal({ batchItemFailures: [] });
    const records = batches[0].Records;
    const last = records[records.length - 1];
    expect(await slowAnswer).to.deep.equal({
      batchItemFailures: [{ itemIdentifier: last.kinesis.sequenceNumber }],
    });
    expect(await sessionizeEvent({ Records: [last] }, slow)).to.deep.equal({
      batchItemFailures: [],
    });
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
      await sessionsIn(emulators.dynamo, once.sessionsTable),
    );
    expect(await tableText(emulators.dynamo, tables.stateTable)).to.deep.equal(
      await tableText(emulators.dynamo, once.stateTable),
    );
    stalled.destroy();
  });

  it("keeps the window state across a cold start: a fresh module instance continues the sessions", async () => {
    // Prepare
    const tables = await createSessionizerTables(emulators.dynamo);
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      SESSIONS_TABLE: tables.sessionsTable,
      DEAD_LETTER_TABLE: tables.deadLetterTable,
      STATE_TABLE: tables.stateTable,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    };
    const half = Math.floor(batches.length / 2);
    // Act: one container for the first half, a new one for the rest
    let handler = loadHandler(env);
    for (const event of batches.slice(0, half)) await handler(event, context());
    handler = loadHandler(env);
    const answers = [];
    for (const event of batches.slice(half)) answers.push(await handler(event, context()));
    // Assess
    expect(answers.every((a) => a.batchItemFailures.length === 0)).to.equal(true);
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
      await sessionsIn(emulators.dynamo, clean.sessionsTable),
    );
    expect(await tableText(emulators.dynamo, tables.stateTable)).to.deep.equal(
      await tableText(emulators.dynamo, clean.stateTable),
    );
    delete require.cache[handlerPath];
    for (const name of Object.keys(env))
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
  });

  it("handles several shards in one event as separate batches, each in sequence order", async () => {
    // Prepare: all batches in one event, records shuffled (the mapping never does this)
    const tables = await createSessionizerTables(emulators.dynamo);
    const all: KinesisStreamRecord[] = batches.flatMap((b) => b.Records).reverse();
    // Act
    const answer = await sessionizeEvent(
      { Records: all },
      sessionizerDeps(emulators.dynamo, tables),
    );
    // Assess
    expect(answer).to.deep.equal({ batchItemFailures: [] });
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
      await sessionsIn(emulators.dynamo, clean.sessionsTable),
    );
  });

  it("reloads the application when too many keys are resident and still gives the same sessions", async () => {
    // Prepare
    const tables = await createSessionizerTables(emulators.dynamo);
    const deps = sessionizerDeps(emulators.dynamo, tables, {
      engine: new SessionizeEngine({ maxResidentKeys: 5 }),
    });
    // Act
    for (const event of batches) await sessionizeEvent(event, deps);
    // Assess
    expect(await sessionsIn(emulators.dynamo, tables.sessionsTable)).to.deep.equal(
      await sessionsIn(emulators.dynamo, clean.sessionsTable),
    );
  });
});
