/**
 * The sessionizer Lambda (engine `lambda`): runs the stack's SQL application with the bundled
 * emulator over the Kinesis stream, fed by an event source mapping (one concurrent batch per shard,
 * which the shard lease enforces), keeps the window state in `STATE_TABLE`, and hands its rows,
 * typed, to the same delivery core as the KDA output Lambda: session rows to `SESSIONS_TABLE`,
 * `error_stream` rows to `DEAD_LETTER_TABLE`.
 *
 * Environment is read once at load; the DynamoDB client and the SQL application are created once
 * per container. `SQL_APPLICATION` names the application (`sql/applications.ts`; `lab` when unset)
 * and its SQL is read from beside the bundle (the Pulumi program puts the repository's file there,
 * under its own name), so the deployed function runs the very file the tests run.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { readApplicationSql, sqlApplicationNamed } from "../sql/applications";
import { handlerEnvironment } from "../sql/contracts";
import { requiredEnv } from "./shared/env";
import { handlerMetricsSink } from "./shared/metrics";
import { SessionizeEngine } from "./sessionize/engine";
import { sessionizeEvent } from "./sessionize/sessionizeEvent";

const config = {
  sessionsTable: requiredEnv(handlerEnvironment.sessionsTable),
  deadLetterTable: requiredEnv(handlerEnvironment.deadLetterTable),
  stateTable: requiredEnv(handlerEnvironment.stateTable),
};
const application = sqlApplicationNamed(process.env[handlerEnvironment.sqlApplication] ?? "lab");
const client = new DynamoDBClient({});
const logger = new Logger({ serviceName: "sessionize-stream" });
const metrics = handlerMetricsSink();
const engine = new SessionizeEngine({
  sqlText: readApplicationSql(application.name),
  inputSchema: application.inputSchema,
  partitionColumn: application.partitionColumn,
});

/**
 * The event source mapping's entry point: answers `batchItemFailures` with the sequence number to
 * retry from for each shard whose batch could not be completed (`ReportBatchItemFailures`).
 */
export const handler = (
  event: KinesisStreamEvent,
  context: Pick<Context, "getRemainingTimeInMillis" | "awsRequestId" | "invokedFunctionArn">,
): Promise<KinesisStreamBatchResponse> =>
  sessionizeEvent(event, {
    ...config,
    client,
    logger,
    metrics,
    engine,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    invocationId: context.awsRequestId,
    applicationArn: context.invokedFunctionArn,
  });
