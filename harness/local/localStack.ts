/**
 * The local stand-ins for AWS, in one place: kinesalite (Kinesis Data Streams) and dynalite
 * (DynamoDB) started in this process on free loopback ports, SDK clients wired to them, and the
 * stream and tables created with the key shapes the Pulumi program deploys. The local pipeline, the
 * benchmark and the tests all start their emulators here.
 */
import type { Server } from "http";
import type { AddressInfo } from "net";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  waitUntilStreamExists,
} from "@aws-sdk/client-kinesis";
import {
  CreateTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type AttributeDefinition,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateScan } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  deadLetterTableShape,
  sessionsTableShape,
  stateTableShape,
  type TableShape,
} from "../../sql/contracts";

/** The region and dummy credentials every local client uses; the emulators check neither. */
export const localAws = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

/**
 * The local run as a stack named `local`: the names the Pulumi program derives for it (its config
 * module pulls in the Pulumi SDK, seconds to load, so a test holds the two together instead).
 */
const localPrefix = "clickstream-sessionizer-local";
export const localNames = {
  stream: `${localPrefix}-stream`,
  application: `${localPrefix}-application`,
  sessionsTable: `${localPrefix}-sessions`,
  deadLetterTable: `${localPrefix}-dead-letters`,
  stateTable: `${localPrefix}-state`,
} as const;

/** The deployed stream's default shard count (a test holds it to the Pulumi config's default). */
export const defaultLocalShards = 1;

/** A table to create: its name and the deployed key shape. */
export interface LocalTable {
  readonly name: string;
  readonly shape: TableShape;
}

/** The local stack's tables, by role. */
export const localTables = {
  sessions: { name: localNames.sessionsTable, shape: sessionsTableShape },
  deadLetters: { name: localNames.deadLetterTable, shape: deadLetterTableShape },
  state: { name: localNames.stateTable, shape: stateTableShape },
} as const satisfies Record<string, LocalTable>;

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

/** Creates a stream with `shardCount` shards, waits until it is ACTIVE and returns its ARN. */
export async function createStream(
  client: KinesisClient,
  streamName: string,
  shardCount: number,
): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1 }, { StreamName: streamName });
  const { StreamDescriptionSummary } = await client.send(
    new DescribeStreamSummaryCommand({ StreamName: streamName }),
  );
  return StreamDescriptionSummary?.StreamARN as string;
}

/** Creates an on-demand table with the key shape the Pulumi program deploys. */
export async function createTable(client: DynamoDBClient, table: LocalTable): Promise<void> {
  const { shape } = table;
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
      TableName: table.name,
      KeySchema: keySchema,
      AttributeDefinitions: attributes,
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: table.name });
}

/** Every item of a table as plain values (strings, numbers), all pages, through the SDK's paginator. */
export async function scanItems<T = Record<string, unknown>>(
  client: DynamoDBClient,
  tableName: string,
): Promise<T[]> {
  const documents = DynamoDBDocumentClient.from(client);
  const items: T[] = [];
  for await (const page of paginateScan(
    { client: documents },
    { TableName: tableName, ConsistentRead: true },
  )) {
    items.push(...((page.Items ?? []) as T[]));
  }
  return items;
}

/** dynalite, a client for it and the tables asked for. */
export interface LocalDynamo {
  readonly emulator: Emulator;
  readonly client: DynamoDBClient;
  /** Destroys the client and stops dynalite. */
  close(): Promise<void>;
}

/** Starts dynalite and creates `tables`; on a failure, stops it again before rethrowing. */
export async function startLocalDynamo(tables: readonly LocalTable[] = []): Promise<LocalDynamo> {
  const emulator = await startDynalite();
  const client = localDynamoClient(emulator.endpoint);
  const close = async (): Promise<void> => {
    client.destroy();
    await emulator.close();
  };
  try {
    for (const table of tables) await createTable(client, table);
  } catch (error) {
    await close();
    throw error;
  }
  return { emulator, client, close };
}

/** What `startLocalStack` builds. */
export interface LocalStackOptions {
  /** The stream to create, if any. */
  readonly stream?: { readonly name: string; readonly shards: number };
  readonly tables?: readonly LocalTable[];
}

/** Both emulators, a client for each, and the stream and tables asked for. */
export interface LocalStack {
  readonly kinesis: Emulator;
  readonly dynamodb: Emulator;
  readonly kinesisClient: KinesisClient;
  readonly dynamoClient: DynamoDBClient;
  /** The created stream's ARN, when one was asked for. */
  readonly streamArn?: string;
  /** Destroys the clients and stops both emulators. */
  close(): Promise<void>;
}

/**
 * Starts kinesalite and dynalite and creates the stream and tables; on a failure, stops whatever
 * it had started before rethrowing.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const kinesis = await startKinesalite();
  const kinesisClient = localKinesisClient(kinesis.endpoint);
  const stopKinesis = async (): Promise<void> => {
    kinesisClient.destroy();
    await kinesis.close();
  };
  let dynamo: LocalDynamo | undefined;
  try {
    dynamo = await startLocalDynamo(options.tables);
    const streamArn = options.stream
      ? await createStream(kinesisClient, options.stream.name, options.stream.shards)
      : undefined;
    const { emulator, client, close } = dynamo;
    return {
      kinesis,
      dynamodb: emulator,
      kinesisClient,
      dynamoClient: client,
      streamArn,
      close: async () => {
        await close();
        await stopKinesis();
      },
    };
  } catch (error) {
    await dynamo?.close();
    await stopKinesis();
    throw error;
  }
}
