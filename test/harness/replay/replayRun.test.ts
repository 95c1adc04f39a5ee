import { expect } from "chai";
import { loadSessionizeApplication, parseJson } from "../../../harness/emulator";
import {
  formatCounts,
  maxRecordBytes,
  ReplayRun,
  type ErrorRecord,
} from "../../../harness/replay/replayRun";
import type { SourceRecord } from "../../../harness/replay/sourceRecord";

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const click = (user: string, seconds: number | null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    user_id: user,
    ...(seconds !== null && { event_timestamp: t0 + seconds * 1000 }),
    device_type: "desktop",
    ...extra,
  });

function lines(...texts: string[]): SourceRecord[] {
  return texts.map((text, i) => ({
    kind: "line",
    text,
    line: i + 1,
    bytes: Buffer.byteLength(text),
  }));
}

function run(records: SourceRecord[]) {
  const rows: unknown[] = [];
  const errors: ErrorRecord[] = [];
  const warnings: string[] = [];
  const replay = new ReplayRun({
    app: loadSessionizeApplication(),
    stream: "DESTINATION_SQL_STREAM",
    onRow: (json) => rows.push(parseJson(json)),
    onError: (error) => errors.push(error),
    onOversized: (warning) => warnings.push(warning),
  });
  replay.feed(records);
  return { rows, errors, warnings, counts: replay.counts };
}

describe("a replay run", () => {
  it("counts rows per stream and errors by reason, and skips blank lines", () => {
    const { counts } = run(
      lines(
        click("user1", 0),
        "",
        "not json",
        click("user2", 1, { device_type: {} }),
        click("user1", 30),
      ),
    );
    expect(counts).to.deep.include({
      records: 4,
      blankLines: 1,
      rowsByStream: { INTERMEDIATE_SQL_STREAM: 2, DESTINATION_SQL_STREAM: 2, error_stream: 2 },
      errorsByName: { Parse_Error: 1, Type_Conversion_Error: 1 },
    });
  });

  it("writes each error row with the input's line beside KDA's columns", () => {
    const { errors } = run(lines(click("user1", 0), "{oops", click("user_too_long", 1)));
    expect(errors.map((e) => [e.line, e.ERROR_NAME, e.PUMP_NAME])).to.deep.equal([
      [2, "Parse_Error", null],
      [3, errors[1].ERROR_NAME, "STREAM_PUMP1"],
    ]);
    expect(Object.keys(errors[0])).to.deep.equal([
      "line",
      "ERROR_TIME",
      "ERROR_LEVEL",
      "ERROR_NAME",
      "MESSAGE",
      "DATA_ROWTIME",
      "DATA_ROW",
      "PUMP_NAME",
    ]);
  });

  it("names a stream record by shard and sequence number", () => {
    const data = Buffer.from("{");
    const { errors } = run([
      {
        kind: "arrived",
        data,
        arrivalTime: t0,
        shardId: "shardId-000000000001",
        sequenceNumber: "42",
        bytes: 1,
      },
    ]);
    expect(errors[0]).to.include({ shardId: "shardId-000000000001", sequenceNumber: "42" });
    expect(errors[0]).to.not.have.property("line");
  });

  it("counts records without event_timestamp: they are in the source stream, never silently gone", () => {
    const { counts } = run(lines(click("user1", 0), click("user1", null), click("user1", 2)));
    expect(counts.missingTimestamps).to.equal(1);
    expect(counts.rowsByStream.INTERMEDIATE_SQL_STREAM).to.equal(3);
    expect(formatCounts(counts, "jsonl")).to.include(
      'records without event_timestamp: 1 (they entered the source stream with a NULL timestamp; docs/semantics.md, "Replay input")',
    );
  });

  it("warns about a record Kinesis would refuse, naming its line and size", () => {
    const big = click("user1", 0, { padding: "x".repeat(maxRecordBytes) });
    const { warnings, counts } = run(lines(click("user1", 0), big));
    expect(counts.oversized).to.equal(1);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^line 2: a record of 1,048,6\d\d bytes; Kinesis refuses records over 1,048,576 bytes \(1 MiB\)/,
    );
  });

  it("prints the counts as a few lines for stderr", () => {
    const { counts } = run(lines(click("user1", 0), "nope"));
    expect(formatCounts(counts, "jsonl, gzip")).to.deep.equal([
      "2 records (jsonl, gzip)",
      "rows: INTERMEDIATE_SQL_STREAM 1, DESTINATION_SQL_STREAM 1, error_stream 1",
      "errors: Parse_Error 1",
    ]);
  });
});
