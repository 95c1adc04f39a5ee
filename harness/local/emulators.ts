/**
 * kinesalite and dynalite started in this process on free loopback ports, with SDK clients wired to
 * them: the local stand-ins for Kinesis Data Streams and DynamoDB.
 */
import type { Server } from "http";
import type { AddressInfo } from "net";
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from "@aws-sdk/client-kinesis";
import {
  CreateTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type AttributeDefinition,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { TableShape } from "../../sql/contracts";

/** The region and dummy credentials every local client uses; the emulators check neither. */
export const localAws = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

/** A running emulator. */
export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

type ServerFactory = (options: Record<string, unknown>) => Server;

/** Starts kinesalite in memory; streams become ACTIVE at once. */
export function startKinesalite(): Promise<Emulator> {
  // kinesalite ships no types; its export is a factory of a plain http.Server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require("kinesalite") as ServerFactory;
  return listen(
    kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 50 }),
  );
}

/** Starts dynalite in memory; tables become ACTIVE at once. */
export function startDynalite(): Promise<Emulator> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as ServerFactory;
  return listen(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }));
}

function listen(server: Server): Promise<Emulator> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        port,
        endpoint: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((error) => (error ? fail(error) : done()));
          }),
      });
    });
  });
}

/** A Kinesis client for `endpoint`, over HTTP/1.1 (kinesalite speaks no HTTP/2). */
export function localKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({ ...localAws, endpoint, requestHandler: new NodeHttpHandler() });
}

/** A DynamoDB client for `endpoint`. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...localAws, endpoint });
}

/** Creates a stream with `shardCount` shards and waits until it is ACTIVE. */
export async function createStream(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1 }, { StreamName: streamName });
}

/** Creates an on-demand table with the key shape the Pulumi program deploys. */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  shape: TableShape,
): Promise<void> {
  const keys = [shape.hashKey, ...(shape.rangeKey ? [shape.rangeKey] : [])];
  const keySchema: KeySchemaElement[] = keys.map((key, i) => ({
    AttributeName: key.name,
    KeyType: i === 0 ? "HASH" : "RANGE",
  }));
  const attributes: AttributeDefinition[] = keys.map((key) => ({
    AttributeName: key.name,
    AttributeType: key.type,
  }));
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: keySchema,
      AttributeDefinitions: attributes,
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
}
