import { expect } from "chai";
import fc from "fast-check";
import type {
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  DynamoDBClient,
  WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { deliverEvent } from "../../handlers/delivery/deliverEvent";
import { deliverRows } from "../../handlers/delivery/deliverRows";
import { deadLetterId, RejectReason } from "../../handlers/delivery/deadLetter";
import type { DeliveryRow } from "../../handlers/delivery/typedRow";
import { destinationStreamName, errorStreamName } from "../../sql/contracts";
import { clientFor, createTables, dynalitePerSuite, scanAll, startProxy } from "../support/dynamo";
import {
  applicationArn,
  base64Json,
  errorStreamRow,
  kdaEvent,
  lambdaContext,
  recordingLogger,
  sessionRow,
} from "../support/records";
import { sessionsIn } from "../support/sessionizer";

/**
 * A real client whose BatchWriteItem sends only the first `accept(call)` items to DynamoDB and
 * hands the others back in `UnprocessedItems`, as DynamoDB does when it throttles a batch.
 */
function throttlingClient(
  endpoint: string,
  accept: (call: number) => number,
): { client: DynamoDBClient; calls: () => number } {
  const client = clientFor(endpoint);
  let calls = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as BatchWriteItemCommandInput;
      if (input.RequestItems === undefined) return next(args);
      calls += 1;
      let room = accept(calls);
      const sent: Record<string, WriteRequest[]> = {};
      const withheld: Record<string, WriteRequest[]> = {};
      for (const [table, requests] of Object.entries(input.RequestItems)) {
        const taken = requests.slice(0, Math.max(0, room));
        room -= taken.length;
        if (taken.length > 0) sent[table] = taken;
        if (taken.length < requests.length) withheld[table] = requests.slice(taken.length);
      }
      if (Object.keys(sent).length === 0) {
        return { output: { UnprocessedItems: withheld, $metadata: {} }, response: {} };
      }
      const result = await next({ ...args, input: { ...input, RequestItems: sent } });
      const output = result.output as BatchWriteItemCommandOutput;
      output.UnprocessedItems = { ...output.UnprocessedItems, ...withheld };
      return result;
    },
    { step: "initialize", name: "withholdItemsAsUnprocessed" },
  );
  return { client, calls: () => calls };
}

const sessionRows = (count: number, retryHint = 0): DeliveryRow[] =>
  Array.from({ length: count }, (_, n) => ({
    id: `record-${n}`,
    stream: destinationStreamName,
    row: sessionRow(n),
    retryHint,
  }));

describe("delivering rows to DynamoDB", () => {
  const dynamo = dynalitePerSuite();
  let tables: { sessionsTable: string; deadLetterTable: string };

  beforeEach(async () => {
    tables = await createTables(dynamo.client);
  });

  const deps = (overrides: Partial<Parameters<typeof deliverRows>[1]> = {}) => ({
    client: dynamo.client,
    ...tables,
    remainingTimeMs: lambdaContext().getRemainingTimeInMillis,
    invocationId: "invocation-1",
    applicationArn,
    logger: recordingLogger(),
    ...overrides,
  });

  it("fails the unwritten records when DynamoDB goes away mid-batch and loses none once they are redelivered", async () => {
    // Prepare
    const proxy = await startProxy(dynamo.endpoint);
    const viaProxy = clientFor(proxy.endpoint);
    const rows = sessionRows(1000);
    // The sessions table's DescribeTable, then five BatchWriteItem calls get through.
    proxy.cutAtRequest(7);
    try {
      // Act
      const first = await deliverRows(
        rows,
        deps({
          client: viaProxy,
          remainingTimeMs: lambdaContext(1_500).getRemainingTimeInMillis,
          // One call at a time, so exactly the five calls before the cut complete.
          tuning: { reserveMs: 200, concurrency: 1 },
        }),
      );
      // Assess: what was answered Ok is stored; the rest is failed, not dropped
      const failed = rows.filter((row) => first.get(row.id) === "DeliveryFailed");
      const ok = rows.filter((row) => first.get(row.id) === "Ok");
      expect(first.size).to.equal(1000);
      expect(failed.length).to.be.greaterThan(0);
      expect(ok.length).to.be.at.least(5 * 25);
      const stored = new Set(
        (await scanAll(dynamo.client, tables.sessionsTable)).map((item) => item.session_id.S),
      );
      for (const row of ok)
        expect(stored.has(sessionRow(Number(row.id.slice(7))).session_id as string)).to.equal(true);

      // Act: DynamoDB is back and KDA redelivers the failed records
      proxy.restore();
      const second = await deliverRows(
        failed.map((row) => ({ ...row, retryHint: 1 })),
        deps({ client: viaProxy }),
      );
      // Assess
      expect([...second.values()].every((result) => result === "Ok")).to.equal(true);
      const items = await scanAll(dynamo.client, tables.sessionsTable);
      expect(items.map((item) => item.session_id.S)).to.have.members(
        rows.map((_, n) => sessionRow(n).session_id),
      );
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });

  it("retries items DynamoDB leaves unprocessed until every record is stored", async () => {
    // Prepare: every call stores at most three items
    const { client: throttled, calls } = throttlingClient(dynamo.endpoint, () => 3);
    const logger = recordingLogger();
    // Act
    const results = await deliverRows(
      sessionRows(100),
      deps({ client: throttled, logger, tuning: { backoffCapMs: 50 } }),
    );
    // Assess
    expect([...results.values()].filter((result) => result === "Ok")).to.have.length(100);
    expect(await scanAll(dynamo.client, tables.sessionsTable)).to.have.length(100);
    expect(calls()).to.be.at.least(34);
    expect(logger.lines.at(-1)?.attributes).to.include({ ok: 100, deliveryFailed: 0 });
    throttled.destroy();
  });

  it("answers DeliveryFailed, without throwing, when throttling outlasts the invocation's time", async () => {
    const { client: throttled, calls } = throttlingClient(dynamo.endpoint, () => 0);
    const logger = recordingLogger();
    const results = await deliverRows(
      sessionRows(60),
      deps({
        client: throttled,
        logger,
        remainingTimeMs: lambdaContext(600).getRemainingTimeInMillis,
        tuning: { reserveMs: 100 },
      }),
    );
    expect([...results.values()].every((result) => result === "DeliveryFailed")).to.equal(true);
    expect(results.size).to.equal(60);
    expect(calls()).to.be.greaterThan(3);
    expect(await scanAll(dynamo.client, tables.sessionsTable)).to.deep.equal([]);
    expect(logger.lines.at(-1)).to.deep.include({ level: "warn" });
    throttled.destroy();
  });

  it("fails a poison record whose dead letter cannot be written, and still stores the good ones", async () => {
    const results = await deliverRows(
      [
        { id: "good", stream: destinationStreamName, row: sessionRow(1) },
        {
          id: "poison",
          data: "%%%",
          rejected: { reason: RejectReason.NotBase64, message: "data is not canonical base64" },
        },
      ],
      deps({
        deadLetterTable: "no-such-table",
        remainingTimeMs: lambdaContext(800).getRemainingTimeInMillis,
        tuning: { reserveMs: 100 },
      }),
    );
    expect(Object.fromEntries(results)).to.deep.equal({ good: "Ok", poison: "DeliveryFailed" });
    expect(await scanAll(dynamo.client, tables.sessionsTable)).to.have.length(1);
  });

  it("logs one line of counts per outcome per invocation and payloads only at debug level", async () => {
    const logger = recordingLogger();
    await deliverRows(
      [
        { id: "a", stream: destinationStreamName, row: sessionRow(1) },
        { id: "b", stream: destinationStreamName, row: sessionRow(1) },
        {
          id: "c",
          data: "bm90IGpzb24=",
          rejected: { reason: RejectReason.NotJson, message: "data is not JSON" },
        },
        { id: "d", stream: errorStreamName, row: errorStreamRow(1) },
      ],
      deps({ logger }),
    );
    const infos = logger.lines.filter((line) => line.level !== "debug");
    expect(infos).to.have.length(1);
    expect(infos[0].attributes).to.deep.include({
      invocationId: "invocation-1",
      records: 4,
      ok: 4,
      deliveryFailed: 0,
      sessionRows: 2,
      sessionsWritten: 1,
      deadLettered: { rejected_record: 1, error_stream: 1 },
      reasons: { NotJson: 1, Not_A_JSON_Object: 1 },
    });
    expect(JSON.stringify(infos)).not.to.contain("bm90IGpzb24=");
    const debug = logger.lines.filter((line) => line.level === "debug");
    expect(debug.map((line) => line.attributes.data)).to.include("bm90IGpzb24=");
  });

  it("dead-letters a row handed over in process as the KDA function dead-letters the same row", async () => {
    // Prepare: the same error_stream row and the same bad session row, typed and as KDA sends them
    const kdaTables = await createTables(dynamo.client);
    const rows = [errorStreamRow(1), sessionRow(1, { session_id: "" })];
    // Act
    const typed = await deliverRows(
      [
        { id: "r0", stream: errorStreamName, row: rows[0] },
        { id: "r1", stream: destinationStreamName, row: rows[1] },
      ],
      deps(),
    );
    await deliverEvent(kdaEvent(rows.map(base64Json), { recordIds: ["r0", "r1"] }), {
      client: dynamo.client,
      ...kdaTables,
      remainingTimeMs: lambdaContext().getRemainingTimeInMillis,
      logger: recordingLogger(),
    });
    // Assess: byte-identical dead letters, keyed by the row as KDA would have sent it
    expect(Object.fromEntries(typed)).to.deep.equal({ r0: "Ok", r1: "Ok" });
    const letters = await scanAll(dynamo.client, tables.deadLetterTable);
    expect(letters.map((item) => item.id.S)).to.have.members(
      rows.map((row) => deadLetterId(applicationArn, base64Json(row))),
    );
    const withoutTime = (items: typeof letters) =>
      items.map(({ receivedAt: _, ...item }) => item).sort((a, b) => (a.id.S! < b.id.S! ? -1 : 1));
    expect(withoutTime(letters)).to.deep.equal(
      withoutTime(await scanAll(dynamo.client, kdaTables.deadLetterTable)),
    );
  });

  it("answers every record DeliveryFailed instead of throwing when something unexpected breaks", async () => {
    const logger = recordingLogger();
    const response = await deliverEvent(kdaEvent([base64Json(sessionRow(1)), "%%"]), {
      client: dynamo.client,
      ...tables,
      remainingTimeMs: () => {
        throw new TypeError("context.getRemainingTimeInMillis is not a function");
      },
      logger,
    });
    expect(response.records).to.deep.equal([
      { recordId: "record-0", result: "DeliveryFailed" },
      { recordId: "record-1", result: "DeliveryFailed" },
    ]);
    expect(logger.lines.map((line) => line.level)).to.include("error");
  });

  describe("over arbitrary events", () => {
    const text = fc.string({ maxLength: 12, unit: "grapheme" });
    const field = fc.oneof(text, fc.integer(), fc.constant(null), fc.boolean());
    const data = fc.oneof(
      fc
        .record({
          session_id: fc.stringMatching(/^[a-c]{1,2}$/),
          session_time: text,
          user_id: text,
        })
        .map(base64Json),
      fc
        .record(
          { session_id: field, session_time: field, user_id: field, latest_time: text },
          { requiredKeys: [] },
        )
        .map(base64Json),
      fc.jsonValue({ maxDepth: 2 }).map(base64Json),
      fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes).toString("base64")),
      fc.string({ maxLength: 24 }),
      fc.nat(5).map((n) => base64Json(errorStreamRow(n))),
    );

    it("never throws, answers every recordId once, and puts each record in exactly one table", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(data, { maxLength: 40 }), async (datas) => {
          // Prepare
          const runTables = await createTables(dynamo.client);
          const event = kdaEvent(datas);
          // Act
          const response = await deliverEvent(event, {
            client: dynamo.client,
            ...runTables,
            remainingTimeMs: lambdaContext().getRemainingTimeInMillis,
            logger: recordingLogger(),
          });
          // Assess
          expect(response.records.map((record) => record.recordId)).to.deep.equal(
            event.records.map((record) => record.recordId),
          );
          const sessions = new Map(
            (await sessionsIn(dynamo.client, runTables.sessionsTable)).map((item) => [
              item.session_id,
              [item.session_id, item],
            ]),
          );
          const letters = new Map(
            (await scanAll(dynamo.client, runTables.deadLetterTable)).map((item) => [
              item.id.S,
              item,
            ]),
          );
          const sessionRows = datas.map(strictSessionRow);
          response.records.forEach(({ result }, index) => {
            if (result === "DeliveryFailed") return;
            const row = sessionRows[index];
            // The stored session is the last row's with the same key (last wins).
            const last = sessionRows.filter((other) => other?.[0] === row?.[0]).at(-1);
            const inSessions = row !== undefined && deepEqual(sessions.get(row[0]), last);
            const letter = letters.get(deadLetterId(applicationArn, datas[index]));
            const inDeadLetters = letter !== undefined && letter.data.S === datas[index];
            expect([inSessions, inDeadLetters], datas[index]).to.have.members([true, false]);
          });
          const keys = new Set(sessionRows.flatMap((row) => (row ? [row[0]] : [])));
          const poison = new Set(datas.filter((_, index) => sessionRows[index] === undefined));
          expect(sessions.size).to.equal(keys.size);
          expect(letters.size).to.equal(poison.size);
          expect(response.records.every((record) => record.result === "Ok")).to.equal(true);
        }),
        { numRuns: 40 },
      );
    });
  });
});

/**
 * The test's own reading of a session row: canonical base64 of a UTF-8 JSON object that is not an
 * error_stream row, with a non-empty string session_id and only text, numbers, booleans and nulls;
 * its item is its columns without the nulls, keyed by session_id.
 */
function strictSessionRow(data: string): [string, Record<string, unknown>] | undefined {
  const bytes = Buffer.from(data, "base64");
  if (bytes.toString("base64") !== data) return undefined;
  let row: unknown;
  try {
    row = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) return undefined;
  const fields = row as Record<string, unknown>;
  if (["ERROR_TIME", "ERROR_LEVEL", "ERROR_NAME", "MESSAGE"].every((c) => c in fields)) {
    return undefined;
  }
  if (typeof fields.session_id !== "string" || fields.session_id === "") return undefined;
  const values = Object.values(fields);
  if (values.some((value) => typeof value === "object" && value !== null)) return undefined;
  const item = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
  return [fields.session_id, item];
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
