import { expect } from "chai";
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import {
  createStream,
  localKinesisClient,
  startKinesalite,
  type Emulator,
} from "../../../harness/local/localStack";
import { KinesisWriteError, KinesisWriter } from "../../../harness/simulator/kinesisWriter";
import { MemoryCheckpointStore, StreamReader } from "../../../harness/local/streamReader";
import { injectPutRecordsFaults } from "../../support/putRecordsFaults";

const noSleep = async (): Promise<void> => {};
const entry = (i: number, bytes = 0) => ({
  data: Buffer.from(JSON.stringify({ i, pad: "x".repeat(bytes) })),
  partitionKey: `user${i % 3}`,
});

async function readAll(client: KinesisClient, streamName: string): Promise<number[]> {
  const reader = new StreamReader({ client, streamName, checkpoints: new MemoryCheckpointStore() });
  const records = await reader.poll();
  return records.map((r) => (JSON.parse(Buffer.from(r.data).toString()) as { i: number }).i);
}

describe("the Kinesis writer against kinesalite", () => {
  let kinesis: Emulator;
  let client: KinesisClient;
  let streamCount = 0;
  let streamName: string;

  before(async () => {
    kinesis = await startKinesalite();
  });
  after(async () => {
    await kinesis.close();
  });
  beforeEach(async () => {
    client = localKinesisClient(kinesis.endpoint);
    streamName = `writer-${++streamCount}`;
    await createStream(client, streamName, 1);
  });

  it("sends 1200 records in calls of at most 500 and every record lands once, in order", async () => {
    const sizes = injectPutRecordsFaults(client, {});
    const writer = new KinesisWriter({ client, streamName, sleep: noSleep });

    await writer.write(Array.from({ length: 1200 }, (_, i) => entry(i)));

    expect(sizes).to.deep.equal([500, 500, 200]);
    expect(await readAll(client, streamName)).to.deep.equal(
      Array.from({ length: 1200 }, (_, i) => i),
    );
  });

  it("splits a batch to stay under the 5 MB request limit", async () => {
    const sizes = injectPutRecordsFaults(client, {});
    const writer = new KinesisWriter({ client, streamName, sleep: noSleep });

    await writer.write(Array.from({ length: 120 }, (_, i) => entry(i, 60_000)));

    expect(sizes.length).to.equal(2);
    expect(sizes.reduce((a, b) => a + b)).to.equal(120);
  });

  it("sends again the records a call reports as failed, until all are in", async () => {
    injectPutRecordsFaults(client, {
      failRecords: (call) => (call === 1 ? [3, 7, 8] : call === 2 ? [0] : []),
    });
    const writer = new KinesisWriter({ client, streamName, sleep: noSleep });

    await writer.write(Array.from({ length: 10 }, (_, i) => entry(i)));

    expect(writer.stats.retriedRecords).to.equal(4);
    expect((await readAll(client, streamName)).sort((a, b) => a - b)).to.deep.equal([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it("backs off and repeats a call refused as throttled", async () => {
    const delays: number[] = [];
    injectPutRecordsFaults(client, { throttleCall: (call) => call <= 2 });
    const writer = new KinesisWriter({
      client,
      streamName,
      baseDelayMs: 1000,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });

    await writer.write([entry(1), entry(2)]);

    expect(writer.stats.throttledCalls).to.equal(2);
    expect(delays.length).to.equal(2);
    expect(delays[1]).to.be.below(2000);
    expect(await readAll(client, streamName)).to.deep.equal([1, 2]);
  });

  it("gives up after the last attempt and says how many records failed", async () => {
    injectPutRecordsFaults(client, { failRecords: () => [0] });
    const writer = new KinesisWriter({ client, streamName, maxAttempts: 3, sleep: noSleep });

    let error: unknown;
    await writer.write([entry(1), entry(2)]).catch((e: unknown) => (error = e));

    expect(error).to.be.instanceOf(KinesisWriteError);
    expect((error as Error).message).to.equal(
      "1 record(s) still failed after 3 attempts (ProvisionedThroughputExceededException)",
    );
  });

  it("refuses a record over 1 MB before calling Kinesis", async () => {
    const writer = new KinesisWriter({ client, streamName, sleep: noSleep });
    let error: unknown;
    await writer.write([entry(1, 1024 * 1024)]).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.match(/exceeds the Kinesis limit of 1048576/);
  });

  it("refuses a batch size above 500, naming the option", () => {
    expect(() => new KinesisWriter({ client, streamName, maxBatchRecords: 501 })).to.throw(
      "maxBatchRecords is 501; expected an integer from 1 to 500",
    );
  });
});
