/**
 * The sessionizer Lambda (engine `lambda`): runs `sql/sessionize.sql` with the bundled harness over
 * the Kinesis stream, fed by an event source mapping (one concurrent batch per shard), keeps the
 * window state in `STATE_TABLE`, and hands its rows, typed, to the same delivery core as the KDA
 * output Lambda: session rows to `SESSIONS_TABLE`, `error_stream` rows to `DEAD_LETTER_TABLE`.
 *
 * Environment is read once at load; the DynamoDB client and the SQL application are created once
 * per container. The SQL is read from `sessionize.sql` beside the bundle (the Pulumi program puts
 * the repository's file there), so the deployed function runs the very file the tests run.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { handlerEnvironment } from "../sql/contracts";
import { requiredEnv } from "./shared/env";
import { SessionizeEngine } from "./sessionize/engine";
import { sessionizeEvent } from "./sessionize/sessionizeEvent";

const config = {
  sessionsTable: requiredEnv(handlerEnvironment.sessionsTable),
  deadLetterTable: requiredEnv(handlerEnvironment.deadLetterTable),
  stateTable: requiredEnv(handlerEnvironment.stateTable),
};
const client = new DynamoDBClient({});
const logger = new Logger({ serviceName: "sessionize-stream" });
const engine = new SessionizeEngine();

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
    engine,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    invocationId: context.awsRequestId,
    applicationArn: context.invokedFunctionArn,
  });
