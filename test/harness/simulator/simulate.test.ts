import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  createStream,
  localKinesisClient,
  startKinesalite,
} from "../../../harness/local/localStack";
import { MemoryCheckpointStore, StreamReader } from "../../../harness/local/streamReader";
import { labClickStream, type ClickStreamOptions } from "../../../harness/simulator/clickGenerator";
import { KinesisWriter } from "../../../harness/simulator/kinesisWriter";
import { simulate } from "../../../harness/simulator/simulate";
import {
  JsonLinesSink,
  KinesisSink,
  MemorySink,
  partitionKeyOf,
} from "../../../harness/simulator/sinks";

const stream = (overrides: Partial<ClickStreamOptions> = {}): ClickStreamOptions => ({
  ...labClickStream,
  seed: 11,
  count: 130,
  startMs: 1_767_225_600_000,
  ...overrides,
});

describe("the simulator", () => {
  it("sleeps like the lab in real time and stamps clicks with the wall clock in whole seconds", async () => {
    let clock = 1_800_000_000_750;
    const sleeps: number[] = [];
    const sink = new MemorySink();

    await simulate({
      stream: stream({ count: 61 }),
      sink,
      realtime: true,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });

    expect(sleeps).to.deep.equal([...Array(59).fill(2000), 15000]);
    expect(sink.records[0].event_timestamp).to.equal("1800000000000");
    expect(sink.records[60].event_timestamp).to.equal(
      String(1_800_000_000_000 + 59 * 2000 + 15000),
    );
  });

  it("never sleeps in compressed time while the timestamps still advance", async () => {
    const sink = new MemorySink();
    const result = await simulate({
      stream: stream(),
      sink,
      sleep: () => Promise.reject(new Error("slept")),
    });
    expect(result.events).to.equal(130);
    expect(result.lastTimestamp! - result.firstTimestamp!).to.equal(127 * 2000 + 2 * 15000);
  });

  it("reports progress up to the total", async () => {
    const progress: number[] = [];
    await simulate({
      stream: stream(),
      sink: new MemorySink(),
      chunkSize: 50,
      onProgress: (sent) => progress.push(sent),
    });
    expect(progress).to.deep.equal([50, 100, 130]);
  });

  it("writes a JSON-lines file of bare click objects, one per line, in order", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "simulate-")), "clicks.jsonl");
    const memory = new MemorySink();
    await simulate({ stream: stream(), sink: memory });

    await simulate({ stream: stream(), sink: new JsonLinesSink(file) });

    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line))).to.deep.equal(memory.records);
  });

  it("puts the same clicks on a stream as it writes to a file for the same seed, keyed by user", async () => {
    const kinesis = await startKinesalite();
    try {
      const client = localKinesisClient(kinesis.endpoint);
      await createStream(client, "clicks", 2);
      const memory = new MemorySink();
      await simulate({ stream: stream(), sink: memory });

      await simulate({
        stream: stream(),
        sink: new KinesisSink(new KinesisWriter({ client, streamName: "clicks" })),
      });

      const reader = new StreamReader({
        client,
        streamName: "clicks",
        checkpoints: new MemoryCheckpointStore(),
      });
      const records = await reader.poll();
      const byUser = (list: { user_id: string }[], user: string) =>
        list.filter((r) => r.user_id === user);
      const read = records.map((r) => JSON.parse(Buffer.from(r.data).toString()));
      for (const user of ["user1", "user2", "user3"]) {
        expect(byUser(read, user)).to.deep.equal(byUser(memory.records, user));
      }
      expect(
        records.every((r) => r.partitionKey === JSON.parse(Buffer.from(r.data).toString()).user_id),
      ).to.equal(true);
    } finally {
      await kinesis.close();
    }
  });

  it("uses any other partition-key rule as a constant key, like the lab's 1", () => {
    const record = {
      user_id: "user2",
      event_timestamp: "1767225600000",
      event_name: "search",
      event_type: "click",
      device_type: "desktop",
    };
    expect(partitionKeyOf(record, "1")).to.equal("1");
    expect(partitionKeyOf(record, "user_id")).to.equal("user2");
  });
});
