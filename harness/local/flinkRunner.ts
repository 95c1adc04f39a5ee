/**
 * The local pipeline's `flink` engine, as Managed Service for Apache Flink runs it: the SQL
 * translated to Flink SQL (harness/flink) and flink-runner's deployed mode in a local JVM, reading
 * the kinesalite stream through the Kinesis connector (endpoint override) and writing the dynalite
 * tables through the DynamoDB sinks (docs/flink.md). With `local.report=true` the job prints a
 * line per record it read and one per row it delivered; that is how this runner counts the
 * records and hands the rows to the reconciliation, as the other engines do.
 */
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseJson } from "../emulator";
import { checkToolchain, startDeployedJob, translateToFlink } from "../flink";
import { encodeRecordData } from "../../handlers/delivery/recordData";
import type { DeliveryObject, TypedRow } from "../../handlers/delivery/typedRow";
import { destinationStreamName, type DeliveredStream } from "../../sql/contracts";
import {
  waitForRecordCount,
  type EngineContext,
  type EngineDefinition,
  type EngineRunner,
  type EngineStats,
} from "./engineRunner";
import { localAws, localDynamoClient, localNames, scanItems } from "./localStack";

/** The ARN the job's dead letters name (their ids are scoped by it, as the handler's). */
const applicationArn = `arn:aws:kinesisanalytics:${localAws.region}:000000000000:application/${localNames.application}`;

/** Pause between looks at the tables while draining. */
const drainPollMs = 500;

/** What the job's `local.report` lines say (flink-runner Deployed.java). */
const reportLine = /@@(read|row) ?(.*)$/;

export class FlinkRunner implements EngineRunner {
  private job: ChildProcess | undefined;
  private directory: string | undefined;
  private recordsRead = 0;
  private readonly rowsByStream: Record<string, number> = {};
  /** The distinct items the rows delivered must leave in each table. */
  private readonly expectedSessions = new Set<string>();
  private readonly expectedDeadLetters = new Set<string>();
  private undelivered = 0;
  private failure: unknown;
  private log = "";
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly context: EngineContext) {
    if (context.chaos !== undefined) {
      throw new Error(
        "engine flink injects no delivery failures; run --chaos with lambda or kda-sql",
      );
    }
    // Before any click is sent: without Java or Maven the run stops with the one line saying so.
    checkToolchain();
  }

  start(): void {
    void this.launch().catch((error: unknown) => (this.failure = error));
  }

  private async launch(): Promise<void> {
    const { context } = this;
    const spec = translateToFlink(context.sqlText, { inputSchema: context.inputSchema }).spec;
    const endpoint = await context.kinesis.config.endpoint?.();
    if (endpoint === undefined) throw new Error("the local Kinesis client has no endpoint");
    const kinesisEndpoint = `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
    this.directory = fs.mkdtempSync(path.join(os.tmpdir(), "flink-local-"));
    const job = startDeployedJob(
      spec,
      {
        "stream.name": context.streamName,
        "aws.region": context.region,
        "sessions.table": context.tables.sessionsTable,
        "deadletters.table": context.tables.deadLetterTable,
        "application.arn": applicationArn,
        "kinesis.endpoint": kinesisEndpoint,
        "dynamodb.endpoint": context.dynamoEndpoint,
        "aws.credentials.provider": "BASIC",
        "aws.credentials.provider.basic.accesskeyid": localAws.credentials.accessKeyId,
        "aws.credentials.provider.basic.secretkey": localAws.credentials.secretAccessKey,
        "flink.stream.initpos": "TRIM_HORIZON",
        "flink.shard.getrecords.intervalmillis": "200",
        "local.report": "true",
      },
      this.directory,
    );
    this.job = job;
    this.exited = new Promise((resolve) => job.on("close", () => resolve()));
    job.on("error", (error) => (this.failure = error));
    job.on("close", (code, signal) => {
      if (signal === null && this.failure === undefined) {
        this.failure = new Error(`the Flink job ended (exit ${code}):\n${this.log.slice(-2000)}`);
      }
    });
    let pending = "";
    job.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) this.report(line);
    });
    job.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.log = (this.log + chunk).slice(-16 * 1024);
    });
  }

  /** One stdout line of the job: a record read, a row delivered, or anything else (logged). */
  private report(line: string): void {
    const match = reportLine.exec(line);
    if (match === null) {
      this.log = (this.log + line + "\n").slice(-16 * 1024);
      return;
    }
    if (match[1] === "read") {
      this.recordsRead++;
      return;
    }
    const tab = match[2].indexOf("\t");
    const stream = match[2].slice(0, tab) as DeliveredStream;
    const row = parseJson(match[2].slice(tab + 1)) as DeliveryObject;
    this.rowsByStream[stream] = (this.rowsByStream[stream] ?? 0) + 1;
    const sessionId = row.session_id;
    if (stream === destinationStreamName && typeof sessionId === "string" && sessionId !== "") {
      this.expectedSessions.add(sessionId);
    } else {
      this.expectedDeadLetters.add(encodeRecordData(row));
    }
    const typed: TypedRow = { stream, row };
    this.context.onRows([typed]);
  }

  waitForRecords(count: number, timeoutMs: number): Promise<void> {
    return waitForRecordCount(
      () => ({
        recordsRead: this.recordsRead,
        running: this.failure === undefined,
        failure: this.failure,
      }),
      { count, timeoutMs, pollMs: 100, consumedAs: "read by the Flink job" },
    );
  }

  /**
   * Waits until both tables hold an item for every distinct row the job delivered, and the job
   * has delivered nothing new for a while (rows of the last records may still be on their way).
   */
  async drain(
    timeoutMs: number,
    onProgress: (delivered: number, total: number) => void,
  ): Promise<void> {
    const client = localDynamoClient(this.context.dynamoEndpoint);
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    try {
      for (;;) {
        const rows = Object.values(this.rowsByStream).reduce((a, b) => a + b, 0);
        const sessions = await scanItems(client, this.context.tables.sessionsTable);
        const deadLetters = await scanItems(client, this.context.tables.deadLetterTable);
        const total = this.expectedSessions.size + this.expectedDeadLetters.size;
        const missing =
          Math.max(0, this.expectedSessions.size - sessions.length) +
          Math.max(0, this.expectedDeadLetters.size - deadLetters.length);
        onProgress(total - missing, total);
        this.undelivered = missing;
        if (missing === 0 && rows === seen) return;
        if (this.failure !== undefined) throw this.failure;
        if (Date.now() > deadline) return;
        seen = rows;
        await sleep(drainPollMs);
      }
    } finally {
      client.destroy();
    }
  }

  async stop(): Promise<void> {
    this.job?.kill("SIGKILL");
    await this.exited;
    if (this.directory !== undefined) fs.rmSync(this.directory, { recursive: true, force: true });
  }

  get stats(): EngineStats {
    return {
      recordsRead: this.recordsRead,
      rowsByStream: { ...this.rowsByStream },
      // The job writes the tables itself: no function is invoked.
      invocations: 0,
      failedInvocations: 0,
      redeliveries: 0,
      undelivered: this.undelivered,
    };
  }
}

export const flinkEngine: EngineDefinition = {
  description:
    "the SQL translated to Flink SQL, run by flink-runner's deployed mode in a local JVM: the Kinesis connector reads the stream, its DynamoDB sinks write the tables (needs Java 17 and Maven)",
  tables: [],
  createRunner: (context) => new FlinkRunner(context),
};
