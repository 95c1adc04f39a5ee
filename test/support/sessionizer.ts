/**
 * Test support for the sessionizer Lambda: the state table, dependencies wired to dynalite, the
 * tables read back as comparable values, the expected sessions from the harness replay, and a
 * client that "crashes" after a given number of state writes.
 */
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { paginateScan } from "@aws-sdk/lib-dynamodb";
import { createReplay, type ReplayOptions } from "../../harness/emulator";
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
 * The sessions item the delivery stores for a destination row: its columns, NULL ones left out
 * (written here from the rule in docs/delivery.md, not from the handler's code).
 */
export function itemOfRow(row: Readonly<Record<string, unknown>>): SessionItem {
  return Object.fromEntries(
    Object.entries(row).filter(([, value]) => value !== null && value !== undefined),
  ) as unknown as SessionItem;
}

/**
 * What the sessions table must hold after `records`: the harness replay of the same records in
 * order (each a JSON line; ROWTIME from its event_timestamp), the last row of each session_id.
 */
export function expectedSessions(
  records: readonly string[],
  sqlText: string = readSessionizeSql(),
  options: ReplayOptions = {},
): SessionItem[] {
  const replay = createReplay(sqlText, options);
  const items = new Map<string, SessionItem>();
  for (const line of records) {
    for (const row of replay.feed(line)) {
      if (typeof row.session_id !== "string" || row.session_id === "") continue;
      items.set(row.session_id, itemOfRow(row));
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

/** The calls that change a table: what a crash can fall between. */
export const writeCommands: ReadonlySet<string> = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "BatchWriteItemCommand",
]);

/**
 * A real DynamoDB client that lets the first `writes` write calls (PutItem, UpdateItem,
 * BatchWriteItem) through and, from the next write on, fails every call before it leaves the
 * process: what the tables hold when an invocation dies at that point.
 */
export function crashingClient(endpoint: string, writes: number): DynamoDBClient {
  const client = clientFor(endpoint);
  let passed = 0;
  let crashed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!crashed && writeCommands.has(context.commandName ?? "")) {
        if (passed >= writes) crashed = true;
        else passed += 1;
      }
      if (crashed) throw new SimulatedCrash(`crashed after ${passed} writes`);
      return next(args);
    },
    { step: "initialize", name: "simulatedCrash" },
  );
  return client;
}
