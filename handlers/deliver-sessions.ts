/**
 * The Kinesis Data Analytics output Lambda: stores the application's session rows in the lab's
 * table (`SESSIONS_TABLE`) and everything that can never be stored, plus `error_stream` rows, in
 * `DEAD_LETTER_TABLE`. Environment is read once at load; the DynamoDB client is created once and
 * honours `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";
import { deliverEvent } from "./delivery/deliverEvent";
import { handlerEnvironment } from "../sql/contracts";
import { requiredEnv } from "./shared/env";
import { handlerMetricsSink } from "./shared/metrics";
import type {
  KinesisAnalyticsOutputDeliveryEvent,
  KinesisAnalyticsOutputDeliveryResponse,
} from "./delivery/event";

const config = {
  sessionsTable: requiredEnv(handlerEnvironment.sessionsTable),
  deadLetterTable: requiredEnv(handlerEnvironment.deadLetterTable),
};
const client = new DynamoDBClient({});
const logger = new Logger({ serviceName: "deliver-sessions" });
const metrics = handlerMetricsSink();

/**
 * KDA's Lambda output entry point: answers every `recordId` `Ok` (stored, or dead-lettered for
 * good) or `DeliveryFailed` (to be redelivered). See `deliverRows` for the rules.
 */
export const handler = (
  event: KinesisAnalyticsOutputDeliveryEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
): Promise<KinesisAnalyticsOutputDeliveryResponse> =>
  deliverEvent(event, {
    ...config,
    client,
    logger,
    metrics,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
