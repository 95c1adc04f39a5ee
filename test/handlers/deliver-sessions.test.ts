import { expect } from "chai";
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { handler as Handler } from "../../handlers/deliver-sessions";
import type { KinesisAnalyticsOutputDeliveryEvent } from "../../handlers/delivery/event";
import { DEAD_LETTER_LIMITS, deadLetterId } from "../../handlers/delivery/deadLetter";
import labEvent from "./fixtures/lab-event.json";
import {
  clientFor,
  createTables,
  credentials,
  region,
  scanAll,
  startDynalite,
  type Dynalite,
} from "../support/dynamo";
import {
  applicationArn,
  base64Json,
  errorStreamRow,
  kdaEvent,
  lambdaContext,
  sessionRow,
} from "../support/records";

const handlerPath = require.resolve("../../handlers/deliver-sessions");

/** Loads the handler module afresh under `env`, as Lambda's cold start would. */
function loadHandler(env: Record<string, string | undefined>): typeof Handler {
  delete require.cache[handlerPath];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  // require, not import(): the module must be evaluated again, after the environment is set
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(handlerPath) as { handler: typeof Handler }).handler;
}

function byKey(
  items: Record<string, AttributeValue>[],
  key: string,
): Map<string, Record<string, AttributeValue>> {
  return new Map(items.map((item) => [item[key].S ?? "", item]));
}

describe("the deliver-sessions Lambda handler", () => {
  const envNames = [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "SESSIONS_TABLE",
    "DEAD_LETTER_TABLE",
    "POWERTOOLS_LOG_LEVEL",
  ];
  const savedEnv = Object.fromEntries(envNames.map((name) => [name, process.env[name]]));
  let dynamo: Dynalite;
  let client: DynamoDBClient;
  let tables: { sessionsTable: string; deadLetterTable: string };
  let handler: typeof Handler;

  beforeEach(async () => {
    dynamo ??= await startDynalite();
    client ??= clientFor(dynamo.endpoint);
    tables = await createTables(client);
    handler = loadHandler({
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      SESSIONS_TABLE: tables.sessionsTable,
      DEAD_LETTER_TABLE: tables.deadLetterTable,
      POWERTOOLS_LOG_LEVEL: "SILENT",
    });
  });

  after(async () => {
    delete require.cache[handlerPath];
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    client?.destroy();
    await dynamo?.close();
  });

  const deliver = (event: KinesisAnalyticsOutputDeliveryEvent) => handler(event, lambdaContext());

  it("stores each session row's columns as the item's attributes, keyed by session_id", async () => {
    // Prepare
    const event = kdaEvent(labEvent.rows.map(base64Json), { invocationId: labEvent.invocationId });
    // Act
    const response = await deliver(event);
    // Assess
    expect(response.records).to.deep.equal(
      event.records.map((record) => ({ recordId: record.recordId, result: "Ok" })),
    );
    const items = await scanAll(client, tables.sessionsTable);
    const expected = labEvent.rows.map((row) => ({
      session_id: { S: row.session_id },
      session_time: { S: row.session_time },
      user_id: { S: row.user_id },
      latest_time: { S: row.latest_time },
    }));
    expect(items).to.have.deep.members(expected);
    expect(await scanAll(client, tables.deadLetterTable)).to.deep.equal([]);
  });

  it("answers every recordId of a 1,000-record event once and stores all 1,000 sessions", async () => {
    const rows = Array.from({ length: 1000 }, (_, n) => sessionRow(n));
    const response = await deliver(kdaEvent(rows.map(base64Json)));
    expect(response.records.map((record) => record.recordId)).to.deep.equal(
      rows.map((_, index) => `record-${index}`),
    );
    expect(response.records.every((record) => record.result === "Ok")).to.equal(true);
    const stored = byKey(await scanAll(client, tables.sessionsTable), "session_id");
    expect(stored.size).to.equal(1000);
    expect(stored.get(rows[999].session_id as string)).to.deep.equal({
      session_id: { S: rows[999].session_id },
      session_time: { S: rows[999].session_time },
      user_id: { S: rows[999].user_id },
      latest_time: { S: rows[999].latest_time },
    });
  });

  it("collapses records with the same session_id in one batch to the later one and answers both Ok", async () => {
    const first = sessionRow(1, { session_id: "user1  _mobile_10:00:00", session_time: "first" });
    const second = sessionRow(1, { session_id: "user1  _mobile_10:00:00", session_time: "second" });
    const response = await deliver(kdaEvent([first, sessionRow(2), second].map(base64Json)));
    expect(response.records.map((record) => record.result)).to.deep.equal(["Ok", "Ok", "Ok"]);
    const stored = byKey(await scanAll(client, tables.sessionsTable), "session_id");
    expect(stored.size).to.equal(2);
    expect(stored.get("user1  _mobile_10:00:00")).to.deep.include({
      session_time: { S: "second" },
    });
  });

  it("dead-letters every kind of bad record with its raw data and reason, answers them Ok and stores the good ones", async () => {
    // Prepare
    const bad: Record<string, string> = {
      NotBase64: "this is not base64!",
      NotUtf8: Buffer.from([0xc3, 0x28]).toString("base64"),
      NotJson: Buffer.from("user1,mobile,10:00:00").toString("base64"),
      NotAnObject: base64Json([1, 2]),
      InvalidField: base64Json(sessionRow(5, { session_time: { at: 1654000000000 } })),
      ItemTooLarge: base64Json(sessionRow(6, { session_id: "s".repeat(410_000) })),
      RejectedByDynamoDB: base64Json(sessionRow(7, { session_id: "k".repeat(3000) })),
    };
    const datas = [base64Json(sessionRow(1)), ...Object.values(bad), base64Json(sessionRow(2))];
    // Act
    const response = await deliver(kdaEvent(datas));
    // Assess
    expect(response.records.map((record) => record.result)).to.deep.equal(datas.map(() => "Ok"));
    const sessions = await scanAll(client, tables.sessionsTable);
    expect(sessions.map((item) => item.session_id.S)).to.have.members([
      sessionRow(1).session_id,
      sessionRow(2).session_id,
    ]);
    const letters = byKey(await scanAll(client, tables.deadLetterTable), "id");
    expect(letters.size).to.equal(Object.keys(bad).length);
    Object.entries(bad).forEach(([reason, data], index) => {
      const letter = letters.get(deadLetterId(applicationArn, data));
      expect(letter, reason).to.deep.include({
        kind: { S: "rejected_record" },
        reason: { S: reason },
        // Only an oversize record exceeds what one dead letter can hold; it keeps its first 200 KB.
        data: { S: data.slice(0, DEAD_LETTER_LIMITS.dataBytes) },
        truncated: { BOOL: reason === "ItemTooLarge" },
        recordId: { S: `record-${index + 1}` },
        invocationId: { S: "invocation-1" },
        applicationArn: { S: applicationArn },
      });
    });
    const refused = letters.get(deadLetterId(applicationArn, bad.RejectedByDynamoDB));
    expect(refused)
      .to.have.nested.property("message.S")
      .that.matches(/hashkey.*2048 bytes/);
  });

  it("stores error_stream rows in the dead-letter table as kind error_stream with their columns", async () => {
    const rows = [errorStreamRow(1), errorStreamRow(2)];
    const response = await deliver(kdaEvent(rows.map(base64Json)));
    expect(response.records.map((record) => record.result)).to.deep.equal(["Ok", "Ok"]);
    const letter = byKey(await scanAll(client, tables.deadLetterTable), "id").get(
      deadLetterId(applicationArn, base64Json(rows[1])),
    );
    expect(letter).to.deep.include({
      kind: { S: "error_stream" },
      reason: { S: "Not_A_JSON_Object" },
      message: { S: "record 2 is not a JSON object" },
      errorStream: {
        M: {
          ERROR_TIME: { S: "2026-01-01 10:00:00.123" },
          ERROR_LEVEL: { S: "ERROR" },
          ERROR_NAME: { S: "Not_A_JSON_Object" },
          MESSAGE: { S: "record 2 is not a JSON object" },
          DATA_ROWTIME: { S: "2026-01-01 10:00:00.100" },
          DATA_ROW: { S: Buffer.from("not json 2").toString("hex") },
          PUMP_NAME: { NULL: true },
        },
      },
    });
    expect(await scanAll(client, tables.sessionsTable)).to.deep.equal([]);
  });

  it("leaves both tables exactly as one delivery would when the same records are redelivered", async () => {
    // Prepare
    const datas = [
      base64Json(sessionRow(1)),
      "not base64",
      base64Json(errorStreamRow(1)),
      base64Json(sessionRow(2)),
    ];
    const contentOf = async (table: string, key: string) =>
      // What describes a delivery rather than the record may differ between deliveries.
      [...byKey(await scanAll(client, table), key).entries()].map(([id, item]) => [
        id,
        Object.fromEntries(
          Object.entries(item).filter(
            ([name]) => !["invocationId", "retryHint", "receivedAt", "recordId"].includes(name),
          ),
        ),
      ]);
    await deliver(kdaEvent(datas));
    const once = {
      sessions: await contentOf(tables.sessionsTable, "session_id"),
      letters: await contentOf(tables.deadLetterTable, "id"),
    };
    // Act: KDA redelivers with retryHint 1; after a restart the same rows come with new ids
    await deliver(kdaEvent(datas, { retryHint: 1, invocationId: "invocation-2" }));
    await deliver(
      kdaEvent([...datas].reverse(), {
        recordIds: ["a", "b", "c", "d"],
        invocationId: "invocation-3",
      }),
    );
    // Assess
    expect(once.sessions).to.have.length(2);
    expect(once.letters).to.have.length(2);
    expect(await contentOf(tables.sessionsTable, "session_id")).to.have.deep.members(once.sessions);
    expect(await contentOf(tables.deadLetterTable, "id")).to.have.deep.members(once.letters);
  });

  it("answers a repeated recordId once and a malformed event without throwing", async () => {
    const event = {
      invocationId: "invocation-1",
      applicationArn,
      records: [
        { recordId: "same", data: base64Json(sessionRow(1)) },
        { recordId: "same", data: base64Json(sessionRow(2)) },
        { data: base64Json(sessionRow(3)) },
        null,
        { recordId: "numeric-data", data: 12345 },
        { recordId: "deep-data", data: JSON.parse(`${"[".repeat(200_000)}${"]".repeat(200_000)}`) },
      ],
    } as unknown as KinesisAnalyticsOutputDeliveryEvent;
    const response = await deliver(event);
    expect(response.records).to.deep.equal([
      { recordId: "same", result: "Ok" },
      { recordId: "numeric-data", result: "Ok" },
      { recordId: "deep-data", result: "Ok" },
    ]);
    expect(await deliver(null as unknown as KinesisAnalyticsOutputDeliveryEvent)).to.deep.equal({
      records: [],
    });
    const letters = await scanAll(client, tables.deadLetterTable);
    expect(letters.map((item) => [item.reason.S, item.data.S])).to.have.deep.members([
      ["NotBase64", "12345"],
      ["NotBase64", "[...]"],
    ]);
  });

  it("refuses to load without a table name, naming the missing variable", () => {
    let failure: unknown;
    try {
      loadHandler({ DEAD_LETTER_TABLE: undefined });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.have.property("name", "MissingEnvironmentVariableError");
    expect(failure)
      .to.have.property("message")
      .that.matches(/DEAD_LETTER_TABLE is not set/);
  });
});
