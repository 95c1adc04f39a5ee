/**
 * `npm run replay` and `npm run report` on real inputs, as a user runs them: AWS's formats, a live
 * stream reached through AWS_ENDPOINT_URL_KINESIS, the errors file, the counts on stderr, and a
 * reader that goes away early.
 */
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import {
  createStream,
  localAws,
  localKinesisClient,
  startKinesalite,
} from "../../harness/local/localStack";
import { readShardEvents } from "../support/kinesis";
import { startSqsStandIn } from "../support/sqsStandIn";

const root = path.join(__dirname, "..", "..");
const tsxHook = require.resolve("tsx/cjs");

function cli(
  script: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
) {
  return spawnSync(
    process.execPath,
    ["--require", tsxHook, path.join(root, "harness", "cli", script), ...args],
    { cwd: root, encoding: "utf8", input: options.input, env: options.env ?? process.env },
  );
}

/** `cli` without blocking this process, for a test whose emulator runs in it. */
function cliAsync(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    ["--require", tsxHook, path.join(root, "harness", "cli", script), ...args],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (status) => resolve({ status, stdout, stderr })),
  );
}

const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const clicks = [0, 3, 5, 30, 31, 60].map((seconds, i) =>
  JSON.stringify({
    user_id: `user${(i % 2) + 1}`,
    event_timestamp: String(t0 + seconds * 1000),
    event_name: "search",
    event_type: "click",
    device_type: "desktop",
  }),
);

describe("the replay and report CLIs on real inputs", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-cli-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer): string => {
    fs.writeFileSync(path.join(dir, name), content);
    return path.join(dir, name);
  };
  const jsonLines = () => file("clicks.jsonl", clicks.join("\n") + "\n");

  it("reads a byte-order mark, \\r\\n line ends and a lone \\r inside a record as JSON lines do", () => {
    const expected = cli("replay.ts", ["--input", jsonLines()]);
    const crlf = "\ufeff" + clicks.map((c) => c.replace(",", ",\r")).join("\r\n") + "\r\n";
    const result = cli("replay.ts", ["--input", file("crlf.jsonl", crlf)]);
    expect(result.stdout).to.equal(expected.stdout);
    expect(result.stdout.split("\n")).to.have.length.greaterThan(3);
    expect(result.stderr).to.contain("replay: errors: none");
  });

  it("runs the product's application with its own input schema, and your SQL with the schema you deployed", () => {
    const longId = "u".repeat(100);
    const click = (seconds: number) =>
      JSON.stringify({
        ...JSON.parse(clicks[0]),
        user_id: longId,
        event_timestamp: String(t0 + seconds * 1000),
      });
    const input = file("long.jsonl", [click(0), click(30)].join("\n") + "\n");
    // The product's schema reads user ids of up to 256 characters; the lab's cuts them at 32.
    const product = cli("replay.ts", ["--app", "product", "--input", input]);
    expect(product.status, product.stderr).to.equal(0);
    const sessions = product.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(sessions.map((row) => row.user_id)).to.deep.equal([longId, longId]);

    // Your own SQL over a field the lab has no column for, with the schema it was deployed with.
    const sql = file(
      "mine.sql",
      'CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" ("who" VARCHAR(8), "page" VARCHAR(16));\n' +
        'CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"\n' +
        'SELECT STREAM "who", "page" FROM "CLICKS_001";\n',
    );
    const schema = file(
      "schema.json",
      JSON.stringify({
        ApplicationDetail: {
          InputDescriptions: [
            {
              NamePrefix: "CLICKS",
              InputSchema: {
                RecordFormat: {
                  RecordFormatType: "JSON",
                  MappingParameters: { JSONMappingParameters: { RecordRowPath: "$" } },
                },
                RecordEncoding: "UTF-8",
                RecordColumns: [
                  { Name: "who", SqlType: "VARCHAR(8)", Mapping: "$.user_id" },
                  { Name: "page", SqlType: "VARCHAR(16)", Mapping: "$.page.path" },
                ],
              },
            },
          ],
        },
      }),
    );
    const pages = file(
      "pages.jsonl",
      JSON.stringify({ user_id: "ann", page: { path: "/cart" } }) + "\n",
    );
    const mine = cli("replay.ts", ["--sql", sql, "--input-schema", schema, "--input", pages]);
    expect(mine.status, mine.stderr).to.equal(0);
    expect(mine.stdout).to.equal('{"who":"ann","page":"/cart"}\n');

    // Without the schema the lab's columns are read, and the SQL names a stream that is not there.
    const without = cli("replay.ts", ["--sql", sql, "--input", pages]);
    expect(without.status).to.equal(1);
    expect(without.stderr).to.match(/^.*mine\.sql:\d+:\d+: .*CLICKS_001/);
    const bad = file(
      "bad.json",
      JSON.stringify({ RecordColumns: [{ Name: "x", SqlType: "DOUBLE" }] }),
    );
    const refused = cli("replay.ts", ["--sql", sql, "--input-schema", bad, "--input", pages]);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.equal(
      `${bad}: RecordColumns[0].SqlType is "DOUBLE"; expected VARCHAR(n), CHAR(n), BIGINT, INTEGER or TIMESTAMP\n`,
    );
  });

  it("writes --errors with each record's line, and counts rows and errors on stderr", () => {
    const input = [
      clicks[0],
      "",
      "{not json",
      clicks[1],
      '{"user_id":"toolong_user","event_timestamp":1}',
    ];
    const errors = path.join(dir, "errors.jsonl");
    const result = cli("replay.ts", ["--errors", errors], { input: input.join("\n") });
    expect(result.status).to.equal(0);
    const rows = fs
      .readFileSync(errors, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows.map((row) => [row.line, row.ERROR_NAME, row.PUMP_NAME])).to.deep.equal([
      [3, "Parse_Error", null],
      [5, rows[1].ERROR_NAME, "STREAM_PUMP1"],
    ]);
    expect(result.stderr.split("\n")).to.deep.equal([
      "replay: 4 records (jsonl), 1 blank lines skipped",
      "replay: rows: INTERMEDIATE_SQL_STREAM 2, DESTINATION_SQL_STREAM 2, error_stream 2",
      `replay: errors: Parse_Error 1, ${rows[1].ERROR_NAME} 1 (written to ${errors})`,
      "",
    ]);
  });

  it("ends quietly with exit 0 when the reader of stdout goes away (| head)", async () => {
    const many = Array.from({ length: 40_000 }, (_, i) =>
      JSON.stringify({ user_id: `u${i % 5000}`, event_timestamp: t0 + i * 1000, device_type: "d" }),
    );
    const input = file("many.jsonl", many.join("\n"));
    const child = spawn(process.execPath, [
      "--require",
      tsxHook,
      path.join(root, "harness", "cli", "replay.ts"),
      "--input",
      input,
    ]);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect([code, stderr]).to.deep.equal([0, ""]);
  });

  it("replays a live stream through AWS_ENDPOINT_URL_KINESIS to the rows of the same JSON lines", async () => {
    const kinesis = await startKinesalite();
    const client = localKinesisClient(kinesis.endpoint);
    try {
      await createStream(client, "clicks", 2);
      await client.send(
        new PutRecordsCommand({
          StreamName: "clicks",
          Records: clicks.map((click) => ({
            Data: Buffer.from(click),
            PartitionKey: JSON.parse(click).user_id,
          })),
        }),
      );
      const env = {
        ...process.env,
        AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
        AWS_REGION: localAws.region,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
      };
      const errors = path.join(dir, "stream-errors.jsonl");
      // The emulator runs in this process: the CLI must not block it.
      const result = await cliAsync(
        "replay.ts",
        ["--from-stream", "clicks", "--stream", "INTERMEDIATE_SQL_STREAM", "--errors", errors],
        env,
      );
      expect(result.status, result.stderr).to.equal(0);
      const expected = cli("replay.ts", [
        "--input",
        jsonLines(),
        "--stream",
        "INTERMEDIATE_SQL_STREAM",
      ]);
      const sorted = (text: string) => text.trimEnd().split("\n").sort();
      expect(sorted(result.stdout)).to.deep.equal(sorted(expected.stdout));
      expect(result.stderr).to.match(/^replay: 6 records \(stream clicks from TRIM_HORIZON\)\n/);
    } finally {
      client.destroy();
      await kinesis.close();
    }
  });

  it("replays the ranges the failed-batches queue names, leaving its messages, and warns of the rest", async () => {
    // Prepare: the clicks on a 2-shard kinesalite stream; the queue (a stand-in SQS) names each
    // shard's range, one of them short of its last record, plus a range of a shard that does not
    // exist and a message that is no failed batch
    const kinesis = await startKinesalite();
    const sqs = await startSqsStandIn();
    const client = localKinesisClient(kinesis.endpoint);
    try {
      const streamArn = await createStream(client, "clicks", 2);
      await client.send(
        new PutRecordsCommand({
          StreamName: "clicks",
          Records: clicks.map((click) => ({
            Data: Buffer.from(click),
            PartitionKey: JSON.parse(click).user_id,
          })),
        }),
      );
      const shards = (await readShardEvents(client, "clicks", streamArn, 100)).map(
        ({ shardId, events }) => ({ shardId, records: events.flatMap((e) => e.Records) }),
      );
      const ranges = shards.map(({ shardId, records }, i) => ({
        shardId,
        // The first shard's range stops before its last record, which is left out.
        records: i === 0 && records.length > 1 ? records.slice(0, -1) : records,
      }));
      const message = (shardId: string, first: string, last: string) =>
        JSON.stringify({
          KinesisBatchInfo: {
            shardId,
            startSequenceNumber: first,
            endSequenceNumber: last,
            streamArn,
          },
        });
      const bodies = [
        ...ranges
          .filter((range) => range.records.length > 0)
          .map(({ shardId, records }) =>
            message(
              shardId,
              records[0].kinesis.sequenceNumber,
              records.at(-1)!.kinesis.sequenceNumber,
            ),
          ),
        message("shardId-000000000009", "1", "2"),
        "not a failed batch",
      ];
      const queueUrl = sqs.createQueue("failed-batches", bodies);
      const env = {
        ...process.env,
        AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_REGION: localAws.region,
        AWS_ACCESS_KEY_ID: "local",
        AWS_SECRET_ACCESS_KEY: "local",
      };
      // Act
      const result = await cliAsync(
        "replay.ts",
        ["--from-queue", queueUrl, "--stream", "INTERMEDIATE_SQL_STREAM"],
        env,
      );
      // Assess: the rows of the named records alone, the messages all still queued
      expect(result.status, result.stderr).to.equal(0);
      const named = ranges.flatMap(({ records }) =>
        records.map((r) => Buffer.from(r.kinesis.data, "base64").toString()),
      );
      expect(named.length).to.be.within(clicks.length - 1, clicks.length);
      const expected = cli("replay.ts", ["--stream", "INTERMEDIATE_SQL_STREAM"], {
        input: clicks.filter((click) => named.includes(click)).join("\n"),
      });
      const sorted = (text: string) => text.trimEnd().split("\n").sort();
      expect(sorted(result.stdout)).to.deep.equal(sorted(expected.stdout));
      const stderr = result.stderr.split("\n");
      expect(stderr.filter((line) => line.includes("warning"))).to.deep.equal([
        "replay: warning: message " +
          `${sqs.messageIds(queueUrl)[bodies.length - 2]}: the stream no longer holds 1 of shardId-000000000009 (past its retention)`,
        `replay: warning: message ${sqs.messageIds(queueUrl)[bodies.length - 1]} names no failed batch: message body is not JSON: not a failed batch`,
      ]);
      expect(stderr).to.include(
        `replay: ${named.length} records (failed-batches queue ${queueUrl}: ${bodies.length} message(s), ${bodies.length - 2} range(s) read, 2 skipped)`,
      );
      expect(sqs.bodies(queueUrl)).to.deep.equal(bodies);
    } finally {
      client.destroy();
      await sqs.close();
      await kinesis.close();
    }
  });

  it("refuses --input with --from-stream, --from-stream with --from-queue, and --from without it", () => {
    const both = cli("replay.ts", ["--input", "x", "--from-stream", "s"]);
    expect([both.status, both.stderr]).to.deep.equal([
      2,
      "--from-stream cannot be used with --input\n",
    ]);
    const from = cli("replay.ts", ["--from", "TRIM_HORIZON"], { input: "" });
    expect([from.status, from.stderr]).to.deep.equal([2, "--from needs --from-stream NAME\n"]);
    const queue = cli("replay.ts", ["--from-queue", "https://sqs.x/1/q", "--from-stream", "s"]);
    expect([queue.status, queue.stderr]).to.deep.equal([
      2,
      "--from-stream cannot be used with --from-queue\n",
    ]);
  });

  it("npm run report builds the report of a gzip Firehose export, its totals as --json", () => {
    const input = file("export.gz", gzipSync(clicks.join("")));
    const output = path.join(dir, "report.html");
    const result = cli("report.ts", ["--input", input, "--output", output, "--json"]);
    expect(result.status, result.stderr).to.equal(0);
    const totals = JSON.parse(result.stdout);
    expect(totals).to.include({ events: 6, users: 2, errorRows: 0, reportPath: output });
    expect(totals.sessionRows).to.equal(
      cli("replay.ts", ["--input", jsonLines()]).stdout.trimEnd().split("\n").length,
    );
    const html = fs.readFileSync(output, "utf8");
    expect(html).to.contain(`data-total="sessionRows" data-value="${totals.sessionRows}"`);
    expect(result.stderr).to.contain("report: 6 records (firehose, gzip)");
  });
});
