/**
 * Whether a table the handlers write is the table they expect: it exists, the function may use it,
 * and its key is the one `sql/contracts.ts` declares. A table that fails this is a configuration
 * error, never bad data: its rows are answered `DeliveryFailed` (or their batch is retried) and an
 * ERROR log line names the table and the cause, instead of every valid row turning into a dead
 * letter. `docs/delivery.md`, "Configuration errors".
 *
 * The check is one `DescribeTable` per table per container, repeated whenever DynamoDB refuses an
 * item (a table recreated with another key since the last check would make every item "invalid").
 */
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { TableShape } from "../../sql/contracts";

/** Thrown when a table is missing, not accessible or keyed differently from its contract. */
export class TableConfigurationError extends Error {
  public override readonly name = "TableConfigurationError";

  public constructor(
    public readonly table: string,
    public readonly reason: string,
  ) {
    super(`Table ${table} cannot take the rows: ${reason}`);
  }
}

/**
 * Error names DynamoDB answers for a table this function cannot use at all (missing, or denied by
 * IAM or KMS). Retrying never helps; the stack's configuration has to change.
 */
export const tableLevelErrorNames: ReadonlySet<string> = new Set([
  "ResourceNotFoundException",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "KMSAccessDeniedException",
  "KMSDisabledException",
  "KMSNotFoundException",
  "KMSInvalidStateException",
]);

/** Tables already checked, per client (a container has one client; tests have several). */
const verified = new WeakMap<DynamoDBClient, Set<string>>();

/** `session_id (HASH, S)`: a key as the messages show it. */
function describeKey(name: string, role: string, type: string | undefined): string {
  return `${name} (${role}, ${type ?? "?"})`;
}

/**
 * Resolves when `table` exists, is readable by this function and has the key `shape`; throws
 * `TableConfigurationError` when it is not, and rethrows anything transient (throttling, network)
 * as it came. With `recheck`, asks DynamoDB again even if the table passed before.
 *
 * @example await verifyTable(client, "clickstream-dev-sessions", sessionsTableShape)
 */
export async function verifyTable(
  client: DynamoDBClient,
  table: string,
  shape: TableShape,
  options: { readonly recheck?: boolean } = {},
): Promise<void> {
  let tables = verified.get(client);
  if (tables === undefined) verified.set(client, (tables = new Set()));
  if (options.recheck === true) tables.delete(table);
  if (tables.has(table)) return;
  let description;
  try {
    description = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "ResourceNotFoundException") {
      throw new TableConfigurationError(table, "it does not exist");
    }
    if (tableLevelErrorNames.has(name)) {
      throw new TableConfigurationError(table, `${name}: ${(error as Error).message}`);
    }
    throw error;
  }
  const types = new Map(
    (description?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]),
  );
  const actual = (description?.KeySchema ?? []).map((k) =>
    describeKey(k.AttributeName ?? "?", k.KeyType ?? "?", types.get(k.AttributeName)),
  );
  const expected = [
    describeKey(shape.hashKey.name, "HASH", shape.hashKey.type),
    ...(shape.rangeKey === undefined
      ? []
      : [describeKey(shape.rangeKey.name, "RANGE", shape.rangeKey.type)]),
  ];
  if (actual.join(", ") !== expected.join(", ")) {
    throw new TableConfigurationError(
      table,
      `its key is ${actual.join(", ") || "unknown"}; expected ${expected.join(", ")}`,
    );
  }
  tables.add(table);
}
