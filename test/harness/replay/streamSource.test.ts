import { expect } from "chai";
import { PutRecordCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import {
  createStream,
  localKinesisClient,
  startKinesalite,
  type Emulator,
} from "../../../harness/local/localStack";
import type { SourceRecord } from "../../../harness/replay/sourceRecord";
import { streamRecordSource, type StreamPosition } from "../../../harness/replay/streamSource";

describe("replay input from a live stream", () => {
  let kinesis: Emulator;
  let client: KinesisClient;
  before(async () => {
    kinesis = await startKinesalite();
    client = localKinesisClient(kinesis.endpoint);
  });
  after(async () => {
    client.destroy();
    await kinesis.close();
  });

  async function read(streamName: string, from: StreamPosition): Promise<SourceRecord[]> {
    const all: SourceRecord[] = [];
    for await (const batch of streamRecordSource({
      client,
      streamName,
      from,
      limit: 2,
    }).records()) {
      all.push(...batch);
    }
    return all;
  }

  it("reads every shard to its tip, merged by arrival time, with shard and sequence numbers", async () => {
    await createStream(client, "three-shards", 3);
    const keys = ["a", "b", "c", "d", "e", "f", "g", "h"];
    for (const key of keys) {
      await client.send(
        new PutRecordCommand({
          StreamName: "three-shards",
          PartitionKey: key,
          Data: Buffer.from(key),
        }),
      );
    }
    const records = await read("three-shards", { type: "TRIM_HORIZON" });
    expect(
      records.map((r) => (r.kind === "arrived" ? Buffer.from(r.data).toString() : "")).sort(),
    ).to.deep.equal(keys);
    const times = records.map((r) => (r.kind === "arrived" ? r.arrivalTime : NaN));
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(new Set(records.map((r) => r.shardId)).size).to.be.greaterThan(1);
    expect(records.every((r) => /^\d+$/.test(r.sequenceNumber ?? ""))).to.equal(true);
  });

  it("starts AT_TIMESTAMP when asked", async () => {
    await createStream(client, "later", 1);
    await client.send(
      new PutRecordCommand({ StreamName: "later", PartitionKey: "k", Data: Buffer.from("old") }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const time = Date.now();
    await client.send(
      new PutRecordCommand({ StreamName: "later", PartitionKey: "k", Data: Buffer.from("new") }),
    );
    const records = await read("later", { type: "AT_TIMESTAMP", time });
    expect(
      records.map((r) => (r.kind === "arrived" ? Buffer.from(r.data).toString() : "")),
    ).to.deep.equal(["new"]);
  });
});
