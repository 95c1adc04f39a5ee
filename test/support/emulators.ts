/**
 * The emulators of a test suite that drives the handlers end to end: kinesalite and dynalite from
 * the local stack (`startLocalStack`), a client for each, and the gate proxy in front of dynalite
 * through which a test fails, holds or crashes DynamoDB calls. One helper, so every such suite
 * starts and stops them the same way.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import { startLocalStack, type LocalStack } from "../../harness/local/localStack";
import { startGateProxy, type GateProxy } from "./gateProxy";
import { restoreEnvironment } from "./lambda";

/** A suite's emulators; the fields are set once the suite's `before` ran. */
export interface SuiteEmulators {
  /** dynalite's own endpoint (`http://127.0.0.1:<port>`), past the proxy. */
  dynamoEndpoint: string;
  /** A DynamoDB client straight to dynalite, for preparing and reading tables. */
  dynamo: DynamoDBClient;
  /** A Kinesis client for kinesalite. */
  kinesis: KinesisClient;
  /** The gate proxy in front of dynalite; restored after each test. */
  proxy: GateProxy;
}

/**
 * Registers the hooks (call it inside `describe`, before the suite's own `before`): the emulators
 * and the proxy before the suite's tests; after each test the proxy restored; after the suite the
 * environment the handlers' cold starts set put back, and everything stopped.
 */
export function emulatorsPerSuite(): SuiteEmulators {
  let stack: LocalStack | undefined;
  const suite = {} as SuiteEmulators;
  before(async () => {
    stack = await startLocalStack();
    suite.dynamoEndpoint = stack.dynamodb.endpoint;
    suite.dynamo = stack.dynamoClient;
    suite.kinesis = stack.kinesisClient;
    suite.proxy = await startGateProxy(stack.dynamodb.endpoint);
  });
  afterEach(() => suite.proxy.restore());
  after(async () => {
    restoreEnvironment();
    await suite.proxy?.close();
    await stack?.close();
  });
  return suite;
}
