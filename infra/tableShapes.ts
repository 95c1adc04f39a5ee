/**
 * Key shapes of the DynamoDB tables, shared by the Pulumi program and the local pipeline so the
 * emulated tables are the deployed ones. Pure data: no Pulumi import, usable anywhere.
 */
export interface TableShape {
  readonly hashKey: { readonly name: string; readonly type: "S" | "N" | "B" };
  readonly rangeKey?: { readonly name: string; readonly type: "S" | "N" | "B" };
}

/** The lab's `CloudAcademyLabs` table: one item per session, keyed by `session_id`. */
export const sessionsTableShape: TableShape = { hashKey: { name: "session_id", type: "S" } };

/** Rejected records and `error_stream` rows, keyed by a string `id`. */
export const deadLetterTableShape: TableShape = { hashKey: { name: "id", type: "S" } };

/**
 * The sessionizer Lambda's window state (engine `lambda`): one item per partition key
 * (`key#["user1"]`) and one per shard (`shard#<stream ARN>#<shard id>`), keyed by a string `pk`.
 */
export const stateTableShape: TableShape = { hashKey: { name: "pk", type: "S" } };
