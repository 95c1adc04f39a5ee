/**
 * One kinesalite for a `describe` block and a new, empty stream for each of its tests, so the
 * tests share the emulator but never each other's records.
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import {
  createStream,
  localKinesisClient,
  startKinesalite,
  type Emulator,
} from "../../harness/local/localStack";

/** The current test's stream; the fields change before every test. */
export interface TestStream {
  client: KinesisClient;
  streamName: string;
}

/**
 * Registers the hooks (call it inside `describe`): kinesalite before all tests, closed after them,
 * and a stream `<prefix>-<n>` with `shards` shards before each test.
 */
export function streamPerTest(prefix: string, shards: number): TestStream {
  let kinesis: Emulator;
  let count = 0;
  const stream: TestStream = { client: undefined as unknown as KinesisClient, streamName: "" };
  before(async () => {
    kinesis = await startKinesalite();
    stream.client = localKinesisClient(kinesis.endpoint);
  });
  after(async () => {
    await kinesis.close();
  });
  beforeEach(async () => {
    stream.streamName = `${prefix}-${++count}`;
    await createStream(stream.client, stream.streamName, shards);
  });
  return stream;
}
