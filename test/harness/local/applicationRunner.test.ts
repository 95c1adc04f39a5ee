import { expect } from "chai";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { loadApplication, type Row } from "../../../harness/emulator";
import { PollingApplicationRunner } from "../../../harness/local/applicationRunner";
import { MemoryCheckpointStore, StreamReader } from "../../../harness/local/streamReader";
import { readSessionizeSql } from "../../../sql/inputSchema";
import { streamPerTest, type TestStream } from "../../support/kinesaliteStream";

const click = (user: string, second: number) =>
  JSON.stringify({
    user_id: user,
    event_timestamp: String(Date.parse("2026-01-01T10:00:00Z") + second * 1000),
    event_name: "search",
    event_type: "click",
    device_type: "desktop",
  });

async function put({ client, streamName }: TestStream, lines: string[]): Promise<void> {
  await client.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: lines.map((line) => ({ PartitionKey: "1", Data: Buffer.from(line) })),
    }),
  );
}

describe("the polling application runner against kinesalite", () => {
  const stream = streamPerTest("runner", 1);

  function runner(checkpoints: MemoryCheckpointStore, rows: Row[]) {
    return new PollingApplicationRunner({
      reader: new StreamReader({ ...stream, checkpoints }),
      application: loadApplication(readSessionizeSql()),
      onRows: (emitted) => rows.push(...emitted),
      idlePollMs: 5,
    });
  }

  it("feeds each record through the SQL with its arrival time as ROWTIME and hands on every row", async () => {
    const putAt = Date.now();
    await put(stream, [click("user1", 0), click("user1", 2), click("user1", 30)]);
    const rows: Row[] = [];
    const subject = runner(new MemoryCheckpointStore(), rows);

    subject.start();
    await subject.waitForRecords(3, 10_000);
    await subject.stop();

    const destination = rows.filter((r) => r.stream === "DESTINATION_SQL_STREAM");
    expect(destination.map((r) => r.values[2])).to.deep.equal(["10:00:00", "10:00:30"]);
    expect(subject.stats.rowsByStream).to.deep.equal({
      INTERMEDIATE_SQL_STREAM: 3,
      DESTINATION_SQL_STREAM: 2,
    });
    // kinesalite stamps arrival with this process's clock; the events are from 2026-01-01.
    const rowtimes = rows.map((r) => r.rowtime);
    expect(Math.min(...rowtimes)).to.be.at.least(putAt);
    expect(Math.max(...rowtimes)).to.be.at.most(Date.now());
  });

  it("turns a record that is not JSON into an error_stream row and goes on with the next", async () => {
    await put(stream, ["not json", click("user2", 0)]);
    const rows: Row[] = [];
    const subject = runner(new MemoryCheckpointStore(), rows);

    subject.start();
    await subject.waitForRecords(2, 10_000);
    await subject.stop();

    expect(rows.map((r) => r.stream)).to.deep.equal([
      "error_stream",
      "INTERMEDIATE_SQL_STREAM",
      "DESTINATION_SQL_STREAM",
    ]);
  });

  it("resumes from the checkpoints after a restart, without repeating a record", async () => {
    const checkpoints = new MemoryCheckpointStore();
    await put(stream, [click("user1", 0), click("user2", 1)]);
    const first = runner(checkpoints, []);
    first.start();
    await first.waitForRecords(2, 10_000);
    await first.stop();
    await put(stream, [click("user3", 2)]);

    const rows: Row[] = [];
    const second = runner(checkpoints, rows);
    second.start();
    await second.waitForRecords(1, 10_000);
    await second.stop();

    expect(second.stats.recordsRead).to.equal(1);
    expect(
      rows.filter((r) => r.stream === "DESTINATION_SQL_STREAM").map((r) => r.values[0]),
    ).to.deep.equal(["user3  "]);
  });
});
