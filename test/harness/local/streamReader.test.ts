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
