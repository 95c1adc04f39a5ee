/**
 * Test support for DynamoDB: dynalite from the local-stack module, the two tables in the deployed
 * shapes under fresh names, a real client, every item of a table as DynamoDB returns it, and the
 * local pipeline's outage proxy in front of dynalite.
 */
import { paginateScan, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  createTable,
  localAws,
  localDynamoClient,
  localTables,
  startDynalite,
  type Emulator,
} from "../../harness/local/localStack";
import { startOutageProxy } from "../../harness/local/outageProxy";

export { startDynalite };
export type Dynalite = Emulator;

/** The credentials and region of every local client (the emulators check neither). */
export const credentials = localAws.credentials;
export const region = localAws.region;

/** A DynamoDB client for `endpoint`. */
export const clientFor = localDynamoClient;

/** A running dynalite and a client for it; the fields are set once the suite's `before` ran. */
export interface SuiteDynalite {
  endpoint: string;
  client: DynamoDBClient;
}

/**
 * Registers the hooks (call it inside `describe`): dynalite and a client for it before the suite's
 * tests, both closed after them.
 */
export function dynalitePerSuite(): SuiteDynalite {
  let server: Dynalite;
  const suite: SuiteDynalite = { endpoint: "", client: undefined as unknown as DynamoDBClient };
  before(async () => {
    server = await startDynalite();
    suite.endpoint = server.endpoint;
    suite.client = clientFor(server.endpoint);
  });
  after(async () => {
    suite.client.destroy();
    await server.close();
  });
  return suite;
}

let tableCounter = 0;

/** A name no other table of this process has. */
export function freshTableName(prefix: string): string {
  tableCounter += 1;
  return `${prefix}-${process.pid}-${tableCounter}`;
}

/** Creates a sessions table and a dead-letter table with fresh names, in the deployed key shapes. */
export async function createTables(
  client: DynamoDBClient,
): Promise<{ sessionsTable: string; deadLetterTable: string }> {
  const tables = {
    sessionsTable: freshTableName("sessions"),
    deadLetterTable: freshTableName("dead-letters"),
  };
  await createTable(client, { ...localTables.sessions, name: tables.sessionsTable });
  await createTable(client, { ...localTables.deadLetters, name: tables.deadLetterTable });
  return tables;
}

/** Every item of a table as DynamoDB returns it, all pages. */
export async function scanAll(
  client: DynamoDBClient,
  table: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
    items.push(...(page.Items ?? []));
  }
  return items;
}

/** The outage proxy in front of dynalite, as the tests drive it. */
export interface CuttableProxy {
  readonly endpoint: string;
  /** Number of HTTP requests received so far (counted by their request line). */
  readonly requests: number;
  /** Cut the link when the n-th request (from 1) arrives, before forwarding it. */
  cutAtRequest(n: number): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts the local pipeline's outage proxy in front of the dynalite at `target`. */
export async function startProxy(target: string): Promise<CuttableProxy> {
  const proxy = await startOutageProxy(Number(new URL(target).port));
  return {
    endpoint: proxy.endpoint,
    get requests() {
      return proxy.requests;
    },
    cutAtRequest: (n) => proxy.downAtRequest(n),
    restore: () => proxy.up(),
    close: () => proxy.close(),
  };
}
