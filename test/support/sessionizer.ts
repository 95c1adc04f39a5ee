/**
 * Test support for the sessionizer Lambda: the state table, dependencies wired to dynalite, the
 * tables read back as comparable values, the expected sessions from the harness replay, and a
 * client that "crashes" after a given number of state writes.
 */
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { createReplay } from "../../harness/emulator";
import { readSessionizeSql } from "../../sql/inputSchema";
import type { SessionItem } from "../../sql/contracts";
import { SessionizeEngine } from "../../handlers/sessionize/engine";
import type { SessionizeDeps } from "../../handlers/sessionize/sessionizeEvent";
import { documentClient } from "../../handlers/shared/documentClient";
import { createTable, localTables } from "../../harness/local/localStack";
import { clientFor, createTables, freshTableName, scanAll } from "./dynamo";
import { recordingLogger } from "./records";

export const functionArn = "arn:aws:lambda:us-east-1:123456789012:function:sessionize-stream";

export interface SessionizerTables {
  readonly sessionsTable: string;
  readonly deadLetterTable: string;
  readonly stateTable: string;
}

/** The sessions and dead-letter tables plus a state table, all with fresh names. */
export async function createSessionizerTables(client: DynamoDBClient): Promise<SessionizerTables> {
  const stateTable = freshTableName("state");
  await createTable(client, { ...localTables.state, name: stateTable });
  return { ...(await createTables(client)), stateTable };
}

/** Dependencies of `sessionizeEvent` against dynalite; a fresh engine unless one is given. */
export function sessionizerDeps(
  client: DynamoDBClient,
  tables: SessionizerTables,
  overrides: Partial<SessionizeDeps> = {},
): SessionizeDeps {
  return {
    client,
    engine: new SessionizeEngine(),
    ...tables,
    logger: recordingLogger(),
    remainingTimeMs: () => 60_000,
    invocationId: "invocation-1",
    applicationArn: functionArn,
    ...overrides,
  };
}

/** The sessions table, sorted by session_id. */
export async function sessionsIn(client: DynamoDBClient, table: string): Promise<SessionItem[]> {
  const items: SessionItem[] = [];
  const pages = paginateScan(
    { client: documentClient(client) },
    { TableName: table, ConsistentRead: true },
  );
  for await (const page of pages) items.push(...((page.Items ?? []) as SessionItem[]));
  return items.sort((a, b) => a.session_id.localeCompare(b.session_id));
}

/** Every item of a table as JSON text, sorted: two tables are equal when these are. */
export async function tableText(
  client: DynamoDBClient,
  table: string,
  omit: readonly string[] = [],
): Promise<string[]> {
  const canonical = (item: Record<string, AttributeValue>): string =>
    JSON.stringify(
      Object.keys(item)
        .filter((name) => !omit.includes(name))
        .sort()
        .map((name) => [name, item[name]]),
    );
  return (await scanAll(client, table)).map(canonical).sort();
}

/**
 * What the sessions table must hold after `records`: the harness replay of the same records in
 * order (each a JSON line; ROWTIME from its event_timestamp), the last row of each session_id.
 */
export function expectedSessions(records: readonly string[]): SessionItem[] {
  const replay = createReplay(readSessionizeSql());
  const items = new Map<string, SessionItem>();
  for (const line of records) {
    for (const row of replay.feed(line)) {
      const item = {
        session_id: row.session_id as string,
        session_time: row.session_time as string,
        user_id: row.user_id as string,
      };
      items.set(item.session_id, item);
    }
  }
  return [...items.values()].sort((a, b) => a.session_id.localeCompare(b.session_id));
}

/** ERROR_NAME of every error_stream row the replay gives for `records`, sorted. */
export function expectedErrorNames(records: readonly string[]): string[] {
  const replay = createReplay(readSessionizeSql(), { stream: "error_stream" });
  return records.flatMap((line) => replay.feed(line).map((row) => row.ERROR_NAME as string)).sort();
}

/** Thrown by `crashingClient` where the process would have died. */
export class SimulatedCrash extends Error {
  public override readonly name = "SimulatedCrash";
}

/**
 * A real DynamoDB client that lets the first `writes` write calls (BatchWriteItem of the delivery,
 * PutItem of the state) through and fails every later one before it leaves the process: what the
 * tables hold when an invocation dies at that point.
 */
export function crashingClient(endpoint: string, writes: number): DynamoDBClient {
  const client = clientFor(endpoint);
  let passed = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (
        context.commandName === "PutItemCommand" ||
        context.commandName === "BatchWriteItemCommand"
      ) {
        if (passed >= writes) throw new SimulatedCrash(`crash before write ${passed + 1}`);
        passed += 1;
      }
      return next(args);
    },
    { step: "initialize", name: "simulatedCrash" },
  );
  return client;
}
