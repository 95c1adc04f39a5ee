import { expect } from "chai";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { bundleHandler } from "../../infra/bundle";
import { sessionizerHandlerEntry } from "../../infra/engines/lambda";
import { sessionizeSqlPath } from "../../sql/inputSchema";
import { clientFor, credentials, region, startDynalite } from "../support/dynamo";
import { createSessionizerTables, sessionsIn } from "../support/sessionizer";

const run = promisify(execFile);

describe("the sessionize-stream bundle", () => {
  it("runs from one esbuild file and the SQL beside it, in a fresh process without node_modules", async () => {
    // Prepare: the bundle the Pulumi program deploys (index.js + sessionize.sql beside it)
    const dir = mkdtempSync(path.join(tmpdir(), "sessionize-stream-"));
    const dynamo = await startDynalite();
    const client = clientFor(dynamo.endpoint);
    try {
      const tables = await createSessionizerTables(client);
      const bundle = bundleHandler(sessionizerHandlerEntry);
      expect(bundle).not.to.match(/require\(["']\.\.?\//);
      writeFileSync(path.join(dir, "index.js"), bundle);
      copyFileSync(sessionizeSqlPath, path.join(dir, "sessionize.sql"));
      const click = {
        user_id: "user1",
        event_timestamp: Date.UTC(2026, 0, 1, 10),
        event_name: "click",
        event_type: "click",
        device_type: "mobile",
      };
      const event = {
        Records: [
          {
            eventID: "shardId-000000000000:1",
            eventSourceARN: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
            kinesis: {
              sequenceNumber: "1",
              partitionKey: "user1",
              approximateArrivalTimestamp: 1767261600,
              data: Buffer.from(JSON.stringify(click)).toString("base64"),
            },
          },
        ],
      };
      const script = `
        const { handler } = require("./index.js");
        const context = { getRemainingTimeInMillis: () => 60000, awsRequestId: "r", invokedFunctionArn: "arn:f" };
        handler(${JSON.stringify(event)}, context).then((answer) => process.stdout.write(JSON.stringify(answer)));`;
      // Act
      const { stdout } = await run(process.execPath, ["-e", script], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          AWS_REGION: region,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          POWERTOOLS_LOG_LEVEL: "SILENT",
          SESSIONS_TABLE: tables.sessionsTable,
          DEAD_LETTER_TABLE: tables.deadLetterTable,
          STATE_TABLE: tables.stateTable,
        },
      });
      // Assess
      expect(JSON.parse(stdout)).to.deep.equal({ batchItemFailures: [] });
      expect(await sessionsIn(client, tables.sessionsTable)).to.deep.equal([
        {
          session_id: "user1_mobile_10:00:00",
          session_time: "10:00:00",
          user_id: "user1  ",
          latest_time: "10:00:00",
        },
      ]);
    } finally {
      client.destroy();
      await dynamo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
