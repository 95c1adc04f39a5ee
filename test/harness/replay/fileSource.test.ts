import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { gzipSync } from "zlib";
import { loadSessionizeApplication, parseJson } from "../../../harness/emulator";
import { detectFormat, openFileSource, type InputFormat } from "../../../harness/replay/fileSource";
import { arrivalTimeOf } from "../../../harness/replay/kinesisRecords";
import { ReplayRun } from "../../../harness/replay/replayRun";
import type { SourceRecord } from "../../../harness/replay/sourceRecord";

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
/** Three users' clicks with gaps under and over 10 s: some session starts and some not. */
const clicks = [0, 2, 4, 20, 22, 40, 41, 60].map((seconds, i) =>
  JSON.stringify({
    user_id: `user${(i % 2) + 1}`,
    event_timestamp: String(t0 + seconds * 1000),
    event_name: "search",
    event_type: "click",
    device_type: "desktop",
  }),
);
const jsonLines = clicks.join("\n") + "\n";

/** `aws kinesis get-records` output as AWS CLI v1 prints it: epoch seconds with a fraction. */
function getRecordsV1(lines: readonly string[], firstSequence = 0): string {
  const records = lines.map((line, i) => ({
    SequenceNumber: `4959000000000000000000000000000000000000000000000000${String(firstSequence + i).padStart(4, "0")}`,
    ApproximateArrivalTimestamp: Number(JSON.parse(line).event_timestamp) / 1000 + 0.25,
    Data: Buffer.from(line).toString("base64"),
    PartitionKey: "1",
  }));
  return JSON.stringify(
    { Records: records, NextShardIterator: "AAAA", MillisBehindLatest: 0 },
    null,
    4,
  );
}

/** The same as AWS CLI v2 prints it: ISO-8601 arrival times with microseconds and an offset. */
function getRecordsV2(lines: readonly string[], firstSequence = 0): string {
  const response = JSON.parse(getRecordsV1(lines, firstSequence));
  for (const record of response.Records) {
    const ms = Math.round(record.ApproximateArrivalTimestamp * 1000);
    record.ApproximateArrivalTimestamp = new Date(ms).toISOString().replace("Z", "000+00:00");
  }
  return JSON.stringify(response, null, 4);
}

let dir: string;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-source-"))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const target = path.join(dir, name);
  fs.writeFileSync(target, content);
  return target;
}

async function records(input: string, format: InputFormat = "auto"): Promise<SourceRecord[]> {
  const source = await openFileSource(input, format);
  const all: SourceRecord[] = [];
  for await (const batch of source.records()) all.push(...batch);
  return all;
}

/** Replays a file through the lab's SQL; its DESTINATION rows, its error rows and its source's description. */
async function replayFile(input: string, format: InputFormat = "auto") {
  const source = await openFileSource(input, format);
  const rows: unknown[] = [];
  const errors: unknown[] = [];
  const run = new ReplayRun({
    app: loadSessionizeApplication(),
    stream: "DESTINATION_SQL_STREAM",
    onRow: (json) => rows.push(parseJson(json)),
    onError: (row) => errors.push(row),
  });
  for await (const batch of source.records()) run.feed(batch);
  return { rows, errors, description: source.description, counts: run.counts };
}

describe("replay inputs from files", () => {
  it("replays get-records output (CLI v1 and v2) and a gzip Firehose export to the rows of the same JSON lines", async () => {
    const expected = await replayFile(file("clicks.jsonl", jsonLines));
    expect(expected.rows).to.have.length.greaterThan(2);
    const inputs = {
      "get-records.json":
        getRecordsV1(clicks.slice(0, 3)) + "\n" + getRecordsV2(clicks.slice(3), 3),
      "firehose.gz": gzipSync(clicks.join("")),
      "firehose-lines.gz": gzipSync(jsonLines),
    };
    const descriptions: string[] = [];
    for (const [name, content] of Object.entries(inputs)) {
      const replayed = await replayFile(file(name, content));
      expect(replayed.rows, name).to.deep.equal(expected.rows);
      expect(replayed.errors, name).to.deep.equal([]);
      descriptions.push(replayed.description);
    }
    expect(descriptions).to.deep.equal(["kinesis", "firehose, gzip", "jsonl, gzip"]);
  });

  it("takes a get-records record's ROWTIME from its ApproximateArrivalTimestamp", async () => {
    const [v1] = await records(file("v1.json", getRecordsV1(clicks.slice(0, 1))));
    const [v2] = await records(file("v2.json", getRecordsV2(clicks.slice(0, 1))));
    expect(v1).to.include({ kind: "arrived", arrivalTime: t0 + 250, line: 4 });
    expect(v2).to.include({ kind: "arrived", arrivalTime: t0 + 250 });
    expect(arrivalTimeOf(1654000000.123)).to.equal(1654000000123);
    expect(arrivalTimeOf("2022-05-31T05:26:40.123456-07:00")).to.equal(1654000000123);
    expect(arrivalTimeOf(1654000000123)).to.equal(1654000000123);
    expect(arrivalTimeOf(undefined)).to.equal(null);
  });

  it("gives each get-records record the line of its sequence number, and rejects Data that is not base64", async () => {
    const response = JSON.parse(getRecordsV1(clicks.slice(0, 2)));
    response.Records[1].Data = "not base64!";
    const found = await records(file("bad-data.json", JSON.stringify(response, null, 4)));
    expect(found.map((r) => [r.kind, r.line, r.sequenceNumber?.slice(-4)])).to.deep.equal([
      ["arrived", 4, "0000"],
      ["rejected", 10, "0001"],
    ]);
  });

  it("reads a gzip file by its magic bytes, whatever its name, and stdin alike", async () => {
    const gz = file("clicks.data", gzipSync(jsonLines));
    expect((await records(gz)).map((r) => (r.kind === "line" ? r.text : ""))).to.deep.equal(clicks);
    const source = await openFileSource("-", "auto", Readable.from([gzipSync(jsonLines)]));
    expect(source.description).to.equal("jsonl, gzip");
  });

  it("detects the format from the first bytes", () => {
    const detect = (text: string) => detectFormat(Buffer.from(text));
    expect(detect('\ufeff{"user_id":"a"}\r\n{"user_id":"b"}')).to.equal("jsonl");
    expect(detect("not json at all\n")).to.equal("jsonl");
    expect(detect('{"user_id":"a"}{"user_id":"b"}')).to.equal("firehose");
    expect(detect('{\n  "user_id": "a"\n}\n{\n  "user_id": "b"\n}')).to.equal("firehose");
    expect(detect('{\n    "Records": [\n')).to.equal("kinesis");
    expect(detect('[\n    {\n        "SequenceNumber": "1"')).to.equal("kinesis");
    expect(detect('{"user_id":"only one"}')).to.equal("jsonl");
  });

  it("turns stray text in a Firehose export into one Parse_Error and reads on", async () => {
    const broken = clicks[0] + "garbage" + clicks[1] + "\n" + clicks[2];
    const { errors, counts } = await replayFile(file("broken-firehose", broken), "firehose");
    expect(counts.records).to.equal(4);
    expect(counts.rowsByStream.INTERMEDIATE_SQL_STREAM).to.equal(3);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.include({ line: 1, ERROR_NAME: "Parse_Error" });
  });

  it("names the file when it cannot be read", async () => {
    let message = "";
    await openFileSource(path.join(dir, "missing.jsonl"), "auto").catch(
      (e: Error) => (message = e.message),
    );
    expect(message).to.match(/^Cannot read --input .*missing\.jsonl: ENOENT/);
  });
});
