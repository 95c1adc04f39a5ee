/**
 * Test support: a dynalite server started by the test on a free loopback port, the two tables in
 * the deployed shapes, a real DynamoDB client for it, and a TCP proxy that can cut it off.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import net from "node:net";
import type { Server } from "node:http";
import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
} from "@aws-sdk/client-dynamodb";
import { deadLetterTableShape, sessionsTableShape, type TableShape } from "../../sql/contracts";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require("dynalite") as (options: Record<string, unknown>) => Server;

export const credentials = { accessKeyId: "x", secretAccessKey: "x" };
export const region = "us-east-1";

export interface Dynalite {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function clientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials });
}

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

/** Creates a sessions table and a dead-letter table with fresh names, in the deployed key shapes. */
export async function createTables(
  client: DynamoDBClient,
): Promise<{ sessionsTable: string; deadLetterTable: string }> {
  tableCounter += 1;
  const suffix = `${process.pid}-${tableCounter}`;
  const tables = { sessionsTable: `sessions-${suffix}`, deadLetterTable: `dead-letters-${suffix}` };
  await createTable(client, tables.sessionsTable, sessionsTableShape);
  await createTable(client, tables.deadLetterTable, deadLetterTableShape);
  return tables;
}

async function createTable(client: DynamoDBClient, name: string, shape: TableShape): Promise<void> {
  const keys = [shape.hashKey, ...(shape.rangeKey ? [shape.rangeKey] : [])];
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: keys.map((key, index) => ({
        AttributeName: key.name,
        KeyType: index === 0 ? "HASH" : "RANGE",
      })),
      AttributeDefinitions: keys.map((key) => ({
        AttributeName: key.name,
        AttributeType: key.type,
      })),
    }),
  );
}

/** Every item of a table, all pages. */
export async function scanAll(
  client: DynamoDBClient,
  table: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** A loopback TCP proxy in front of dynalite: `cut` drops every connection and refuses new ones. */
export interface CuttableProxy {
  readonly endpoint: string;
  /** Number of HTTP requests forwarded so far (counted by their request line). */
  readonly requests: number;
  /** Cut the link when the n-th request (from 1) arrives, before forwarding it. */
  cutAtRequest(n: number): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<CuttableProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let requests = 0;
  let cutAt = Number.POSITIVE_INFINITY;
  let down = false;
  const cut = (): void => {
    down = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      requests += chunk.toString("latin1").split("POST /").length - 1;
      if (requests >= cutAt) {
        cut();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get requests() {
      return requests;
    },
    cutAtRequest(n) {
      cutAt = requests + n;
    },
    restore() {
      down = false;
      cutAt = Number.POSITIVE_INFINITY;
    },
    close() {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
