/**
 * The pipeline's DynamoDB tables, all built alike from a key shape of `sql/contracts.ts` (the shapes
 * the handlers and the local pipeline use): billed on demand, recoverable to a point in time,
 * encrypted with the AWS-managed key, and protected unless the stack opts out.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { TableShape } from "../sql/contracts";
import type { PipelineConfig } from "./config";

/**
 * The table's arguments. `tableArgs("CloudAcademyLabs", sessionsTableShape, config).hashKey` ->
 * `"session_id"`
 */
export function tableArgs(
  tableName: string,
  shape: TableShape,
  config: Pick<PipelineConfig, "deletionProtection">,
): aws.dynamodb.TableArgs {
  const keys = [shape.hashKey, ...(shape.rangeKey ? [shape.rangeKey] : [])];
  return {
    name: tableName,
    billingMode: "PAY_PER_REQUEST",
    hashKey: shape.hashKey.name,
    rangeKey: shape.rangeKey?.name,
    attributes: keys.map((k) => ({ name: k.name, type: k.type })),
    pointInTimeRecovery: { enabled: true },
    // Encrypted with the AWS-managed key (aws/dynamodb) rather than the AWS-owned default, so key
    // use shows in CloudTrail.
    serverSideEncryption: { enabled: true },
    deletionProtectionEnabled: config.deletionProtection,
  };
}

/**
 * The options of a resource that holds data (the stream, every table). With `deletionProtection`
 * Pulumi refuses to delete or to replace it: renaming it (a new name forces a replacement) or
 * `pulumi destroy` then stops with an error instead of losing the data. The options never ask for
 * `deleteBeforeReplace`: a replacement under the same name would delete the data first.
 */
export function dataOptions(
  config: Pick<PipelineConfig, "deletionProtection">,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
  return { ...opts, protect: config.deletionProtection };
}

/**
 * The options of an engine's own table (engine lambda's window state). With `deletionProtection`
 * Pulumi keeps it in the account when the stack stops managing it (`retainOnDelete`) instead of
 * refusing to (`protect`): a switch to another engine, which no longer needs the table, is then
 * one `pulumi up`, and the table and its items stay where they were (AWS still refuses to delete it,
 * `deletionProtectionEnabled`), to be imported by a switch back or deleted by hand.
 */
export function engineDataOptions(
  config: Pick<PipelineConfig, "deletionProtection">,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
  return { ...opts, retainOnDelete: config.deletionProtection };
}

/**
 * Creates the table `tableName` as the resource `logicalName`, protected as data: `shared` for a
 * table every engine uses ({@link dataOptions}), `engine` for one only its engine uses
 * ({@link engineDataOptions}).
 */
export function createTable(
  logicalName: string,
  tableName: string,
  shape: TableShape,
  config: Pick<PipelineConfig, "deletionProtection">,
  opts: pulumi.CustomResourceOptions,
  owner: "shared" | "engine" = "shared",
): aws.dynamodb.Table {
  const options = owner === "shared" ? dataOptions(config, opts) : engineDataOptions(config, opts);
  return new aws.dynamodb.Table(logicalName, tableArgs(tableName, shape, config), options);
}
