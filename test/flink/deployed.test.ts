/**
 * flink-runner's deployed mode end to end on the emulators (`npm run test:flink`): kinesalite in,
 * the translated lab SQL, dynalite out. The sessions table must hold exactly the items the harness
 * predicts for the same records, and every error_stream row must be a dead letter, as with the other
 * engines. The job reads Kinesis through the connector's endpoint override, so this also shows the
 * connector talks to kinesalite (docs/flink.md).
 */
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expect } from "chai";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { replayLines } from "../../harness/emulator";
import { ensureRunnerBuilt, startDeployedJob, translateToFlink } from "../../harness/flink";
import {
  createStream,
  createTable,
  localDynamoClient,
  localKinesisClient,
  startDynalite,
  startKinesalite,
  type Emulator,
} from "../../harness/local/localStack";
import { generateClicks, labClickStream } from "../../harness/simulator/clickGenerator";
import { deadLetterTableShape, sessionsTableShape } from "../../sql/contracts";
import { readSessionizeSql } from "../../sql/inputSchema";
import { scanAll } from "../support/dynamo";
import { itemOfRow } from "../support/sessionizer";

describe("engine flink deployed: Kinesis to DynamoDB on the emulators", function () {
  this.timeout(10 * 60 * 1000);
  let kinesis: Emulator;
  let dynamo: Emulator;
  let job: ChildProcess | undefined;
  let directory: string;
  let log = "";

  before(async () => {
    ensureRunnerBuilt();
    kinesis = await startKinesalite();
    dynamo = await startDynalite();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "flink-deployed-"));
  });

  after(async () => {
    job?.kill("SIGKILL");
    await kinesis.close();
    await dynamo.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("writes the harness's sessions items and a dead letter per error_stream row", async () => {
    const lines = [
      ...[
        ...generateClicks({ ...labClickStream, seed: 3, count: 300, startMs: 1_700_000_000_000 }),
      ].map((click) => JSON.stringify(click.record)),
      "not json",
      JSON.stringify({
        user_id: "eight888",
        event_timestamp: 1_700_000_000_000,
        device_type: "desktop",
      }),
    ];
    const kinesisClient = localKinesisClient(kinesis.endpoint);
    const dynamoClient = localDynamoClient(dynamo.endpoint);
    await createStream(kinesisClient, "clicks", 1);
    await createTable(dynamoClient, { name: "sessions", shape: sessionsTableShape });
    await createTable(dynamoClient, { name: "dead-letters", shape: deadLetterTableShape });
    for (let i = 0; i < lines.length; i += 500) {
      await kinesisClient.send(
        new PutRecordsCommand({
          StreamName: "clicks",
          Records: lines.slice(i, i + 500).map((line) => ({
            Data: Buffer.from(line),
            PartitionKey: "user",
          })),
        }),
      );
    }

    // What the harness predicts: the last item per session_id, every non-NULL column (the lab's
    // are all text), as the delivery core stores it, and the error rows.
    const destination = [...replayLines(readSessionizeSql(), lines)];
    const expected = new Map<string, Record<string, string>>();
    for (const row of destination) {
      if (typeof row.session_id !== "string" || row.session_id === "") continue;
      expected.set(row.session_id, itemOfRow(row) as unknown as Record<string, string>);
    }
    const errors = [...replayLines(readSessionizeSql(), lines, { stream: "error_stream" })];
    const invalid =
      destination.length -
      [...destination].filter((r) => typeof r.session_id === "string" && r.session_id !== "")
        .length;

    job = startDeployedJob(
      translateToFlink(readSessionizeSql()).spec,
      {
        "stream.name": "clicks",
        "aws.region": "us-east-1",
        "sessions.table": "sessions",
        "deadletters.table": "dead-letters",
        "application.arn": "arn:aws:kinesisanalytics:us-east-1:000000000000:application/local",
        "kinesis.endpoint": kinesis.endpoint,
        "dynamodb.endpoint": dynamo.endpoint,
        "aws.credentials.provider": "BASIC",
        "aws.credentials.provider.basic.accesskeyid": "local",
        "aws.credentials.provider.basic.secretkey": "local",
        "flink.stream.initpos": "TRIM_HORIZON",
        "flink.shard.getrecords.intervalmillis": "200",
      },
      directory,
    );
    job.stdout!.on("data", (chunk) => (log += chunk));
    job.stderr!.on("data", (chunk) => (log += chunk));

    const deadline = Date.now() + 5 * 60 * 1000;
    let sessions: Record<string, string>[] = [];
    let deadLetters: Awaited<ReturnType<typeof scanAll>> = [];
    while (Date.now() < deadline) {
      if (job.exitCode !== null)
        throw new Error(`the job ended (${job.exitCode}):\n${log.slice(-4000)}`);
      sessions = (await scanAll(dynamoClient, "sessions")).map((item) =>
        Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.S!])),
      );
      deadLetters = await scanAll(dynamoClient, "dead-letters");
      if (sessions.length >= expected.size && deadLetters.length >= errors.length + invalid) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const byKey = (a: Record<string, string>, b: Record<string, string>) =>
      a.session_id < b.session_id ? -1 : 1;
    expect(sessions.sort(byKey), log.slice(-2000)).to.deep.equal(
      [...expected.values()].sort(byKey),
    );
    expect(deadLetters.map((d) => d.reason.S).sort()).to.deep.equal(
      [...errors.map((e) => e.ERROR_NAME as string), ...Array(invalid).fill("InvalidField")].sort(),
    );
    expect(
      deadLetters.every((d) => d.kind.S === "error_stream" || d.kind.S === "rejected_record"),
    ).to.equal(true);
  });
});
