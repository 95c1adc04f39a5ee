import { expect } from "chai";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import {
  MemoryCheckpointStore,
  StreamReader,
  mergeByArrival,
  type StreamRecord,
} from "../../../harness/local/streamReader";
import { streamPerTest, type TestStream } from "../../support/kinesaliteStream";

async function put({ client, streamName }: TestStream, items: [string, number][]) {
  await client.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: items.map(([key, n]) => ({ PartitionKey: key, Data: Buffer.from(String(n)) })),
    }),
  );
}
const values = (records: StreamRecord[]) =>
  records.map((r) => Number(Buffer.from(r.data).toString()));

describe("the stream reader against kinesalite", () => {
  const stream = streamPerTest("reader", 4);

  it("reads every shard, keeping each partition key's records in the order they were put", async () => {
    const items: [string, number][] = Array.from({ length: 200 }, (_, n) => [`user${n % 7}`, n]);
    await put(stream, items);
    const reader = new StreamReader({
      ...stream,
      checkpoints: new MemoryCheckpointStore(),
    });

    const records = await reader.poll();

    expect(new Set(records.map((r) => r.shardId)).size).to.be.greaterThan(1);
    expect(values(records).sort((a, b) => a - b)).to.deep.equal(items.map(([, n]) => n));
    for (let user = 0; user < 7; user++) {
      const mine = records.filter((r) => r.partitionKey === `user${user}`);
      const inOrder = values(mine);
      expect(inOrder).to.deep.equal([...inOrder].sort((a, b) => a - b));
    }
  });

  it("returns only new records on the next poll", async () => {
    const reader = new StreamReader({
      ...stream,
      checkpoints: new MemoryCheckpointStore(),
    });
    await put(stream, [["a", 1]]);
    const first = await reader.poll();
    await put(stream, [["a", 2]]);
    const second = await reader.poll();
    expect([values(first), values(second)]).to.deep.equal([[1], [2]]);
  });

  it("resumes after the checkpoint when a new reader takes over, skipping nothing and repeating nothing", async () => {
    const checkpoints = new MemoryCheckpointStore();
    const first = new StreamReader({ ...stream, checkpoints });
    await put(stream, [
      ["a", 1],
      ["b", 2],
    ]);
    first.checkpoint(await first.poll());
    await put(stream, [
      ["a", 3],
      ["b", 4],
    ]);

    const second = new StreamReader({ ...stream, checkpoints });
    const records = await second.poll();

    expect(values(records).sort()).to.deep.equal([3, 4]);
    expect(checkpoints.entries().length).to.be.greaterThan(0);
  });

  it("re-reads records that were polled but never checkpointed", async () => {
    const checkpoints = new MemoryCheckpointStore();
    const reader = new StreamReader({ ...stream, checkpoints });
    await put(stream, [["a", 1]]);
    await reader.poll();

    reader.resetIterators();

    expect(values(await reader.poll())).to.deep.equal([1]);
  });
});

describe("the stream reader one batch at a time against kinesalite", () => {
  const stream = streamPerTest("batches", 1);
  const reader = (checkpoints = new MemoryCheckpointStore()) =>
    new StreamReader({ ...stream, checkpoints });

  it("reads a shard in batches of at most the limit, each after the last", async () => {
    await put(
      stream,
      Array.from({ length: 7 }, (_, n): [string, number] => ["a", n]),
    );
    const subject = reader();
    const [shardId] = await subject.openShards();

    const batches = [
      await subject.readBatch(shardId, 3),
      await subject.readBatch(shardId, 3),
      await subject.readBatch(shardId, 3),
      await subject.readBatch(shardId, 3),
    ];

    expect(batches.map(values)).to.deep.equal([[0, 1, 2], [3, 4, 5], [6], []]);
  });

  it("reads a shard again from just after its checkpoint once its iterator is reset", async () => {
    await put(stream, [
      ["a", 1],
      ["a", 2],
      ["a", 3],
    ]);
    const subject = reader();
    const [shardId] = await subject.openShards();
    const batch = await subject.readBatch(shardId, 3);

    subject.checkpoint(batch.slice(0, 1));
    subject.resetIterators(shardId);

    expect(values(await subject.readBatch(shardId, 10))).to.deep.equal([2, 3]);
  });

  it("gets a new iterator after the last record read when its iterator has expired", async () => {
    await put(stream, [
      ["a", 1],
      ["a", 2],
    ]);
    const subject = reader();
    const [shardId] = await subject.openShards();
    const first = await subject.readBatch(shardId, 1);
    await put(stream, [["a", 3]]);
    let expired = 0;
    stream.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "GetRecordsCommand" && expired === 0) {
          expired++;
          const error = new Error("Iterator expired (injected)");
          error.name = "ExpiredIteratorException";
          throw error;
        }
        return next(args);
      },
      { step: "initialize", name: "expireOnce" },
    );

    const rest = await subject.readBatch(shardId, 10);
    stream.client.middlewareStack.remove("expireOnce");

    expect(expired).to.equal(1);
    expect([values(first), values(rest)]).to.deep.equal([[1], [2, 3]]);
  });
});

describe("merging shards by arrival time", () => {
  const record = (shardId: string, n: number, arrivalTime: number): StreamRecord => ({
    shardId,
    sequenceNumber: String(n),
    partitionKey: shardId,
    data: Buffer.from(String(n)),
    arrivalTime,
  });

  it("interleaves shards by arrival time and keeps shard order on ties", () => {
    const merged = mergeByArrival([
      [record("s0", 1, 10), record("s0", 2, 30)],
      [record("s1", 3, 10), record("s1", 4, 20)],
    ]);
    expect(values(merged)).to.deep.equal([1, 3, 4, 2]);
  });
});
