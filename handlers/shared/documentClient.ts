/**
 * The DynamoDB document client the handlers read and write through: items are plain objects, and
 * `@aws-sdk/lib-dynamodb` turns them into DynamoDB attribute values and back.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, type TranslateConfig } from "@aws-sdk/lib-dynamodb";

/**
 * One translation for every wrapper. `DynamoDBDocumentClient.from` stores it on the wrapped
 * client's shared config, so two wrappers of one client with different settings would overwrite
 * each other's. `allowImpreciseNumbers` writes every number as its JavaScript text, whatever its
 * size: a KDA `retryHint` beyond 2^53 is stored rather than failing the whole batch write.
 */
const translateConfig: TranslateConfig = { marshallOptions: { allowImpreciseNumbers: true } };

/**
 * The document client over `client`: it shares the client's connection, configuration and
 * middleware (so a test's middleware on `client` sees its calls), and costs nothing to create.
 *
 * @example await documentClient(client).send(new PutCommand({ TableName: t, Item: { pk: "a", version: 1 } }))
 */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, translateConfig);
}
