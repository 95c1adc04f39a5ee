/**
 * The contracts between the parts of the pipeline, each defined once: the in-application streams an
 * engine delivers, the columns of `error_stream`, the DynamoDB tables' key shapes and items, and the
 * environment variables that tell the handlers where to write. The Pulumi program (`infra/`), the
 * Lambda handlers (`handlers/`) and the harness and its tools (`harness/`) all import this module;
 * it is pure data and imports nothing, so it runs everywhere.
 *
 * The rulebook behind the stream and column definitions is `docs/semantics.md`.
 */

/** The in-application stream a SQL application's results are read from. */
export const destinationStreamName = "DESTINATION_SQL_STREAM";

/** The in-application stream every bad record and every failed row lands in. */
export const errorStreamName = "error_stream";

/** The streams every engine delivers: session rows to the sessions table, errors to dead letters. */
export const deliveredStreams = [destinationStreamName, errorStreamName] as const;
export type DeliveredStream = (typeof deliveredStreams)[number];

/**
 * Columns of `error_stream`, in order, with KDA's types (`docs/semantics.md`, "error_stream"). The
 * shape matches the harness's `StreamColumn`, so the emulator uses this list as its stream schema.
 */
export const errorStreamColumns = [
  { name: "ERROR_TIME", type: { kind: "TIMESTAMP" } },
  { name: "ERROR_LEVEL", type: { kind: "VARCHAR", length: 10 } },
  { name: "ERROR_NAME", type: { kind: "VARCHAR", length: 32 } },
  { name: "MESSAGE", type: { kind: "VARCHAR", length: 4096 } },
  { name: "DATA_ROWTIME", type: { kind: "TIMESTAMP" } },
  { name: "DATA_ROW", type: { kind: "VARCHAR", length: 49152 } },
  { name: "PUMP_NAME", type: { kind: "VARCHAR", length: 128 } },
] as const;
export type ErrorStreamColumn = (typeof errorStreamColumns)[number]["name"];

/** Key shape of a DynamoDB table: what the Pulumi program declares and the local pipeline creates. */
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

/**
 * A value a sessions item keeps: what a SQL column delivers, NULL left out; a BIGINT beyond 2^53 is
 * a `bigint` (issue 12), which the document client writes as a DynamoDB number, digit for digit.
 */
export type SessionAttribute = string | number | bigint | boolean;

/**
 * A sessions item: the destination row's columns as attributes, keyed by `session_id`, so every
 * application's rows are stored by the same delivery. The lab's rows give `session_id`,
 * `session_time`, `user_id` and `latest_time`; the product's give `session_id`, `user_id`,
 * `device_type`, `session_start` and `session_start_ms` (`sql/applications.ts`).
 */
export interface SessionItem {
  readonly session_id: string;
  readonly [column: string]: SessionAttribute;
}

/**
 * Environment variables that tell the handlers where to write. The Pulumi program sets them, the
 * handlers read them once at load, the local pipeline sets them for the handlers it runs.
 */
export const handlerEnvironment = {
  sessionsTable: "SESSIONS_TABLE",
  deadLetterTable: "DEAD_LETTER_TABLE",
  stateTable: "STATE_TABLE",
  /** The SQL application the sessionizer runs (`sql/applications.ts`): `lab` or `product`. */
  sqlApplication: "SQL_APPLICATION",
} as const;

/**
 * The handlers' own CloudWatch metrics, published as embedded metric format log lines (namespace
 * and names here, because the alarms in infra/ watch exactly these), one dimension: `FunctionName`.
 */
export const handlerMetrics = {
  namespace: "ClickstreamSessionizer",
  /** Items written to the dead-letter table (rejected records and error_stream rows). */
  deadLetters: "DeadLetters",
  /** Deliveries refused because a table is missing, inaccessible or keyed differently. */
  tableErrors: "TableErrors",
  /** Sessionizer batches refused because another invocation held their shard. */
  concurrentBatches: "ConcurrentBatches",
  /** Ranges of a shard the event source mapping gave up on, noticed when the next batch came. */
  skippedRanges: "SkippedRanges",
} as const;
