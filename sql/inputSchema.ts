/**
 * The input schema of the SQL application: how each JSON click record maps to a column of
 * `SOURCE_SQL_STREAM_001`. This is the single definition: the Pulumi program deploys it as the
 * application's `inputSchema`, and the harness maps records with it, so the two cannot drift.
 *
 * The VARCHAR widths are what KDA's schema discovery proposes for the lab's records, rounded up to
 * leave room for longer ids; longer strings are truncated on input, as KDA documents.
 */
import * as fs from "fs";
import * as path from "path";

/** SQL types the input mapping supports. */
export type InputSqlType =
  | { readonly kind: "VARCHAR"; readonly length: number }
  | { readonly kind: "CHAR"; readonly length: number }
  | { readonly kind: "BIGINT" }
  | { readonly kind: "INTEGER" }
  | { readonly kind: "TIMESTAMP" };

export interface InputColumn {
  /** Column name, case-sensitive, as it is quoted in the SQL (`"user_id"`). */
  readonly name: string;
  /** SQL type as KDA writes it in the schema (`VARCHAR(32)`, `BIGINT`). */
  readonly sqlType: string;
  /** The same type, parsed, for the harness. */
  readonly type: InputSqlType;
  /** JSONPath of the value inside the record (`$.user_id`). */
  readonly mapping: string;
}

export interface InputSchema {
  /** Name prefix of the in-application input stream; KDA appends `_001`. */
  readonly namePrefix: string;
  /** The in-application stream the records land in. */
  readonly streamName: string;
  readonly recordFormat: "JSON";
  /** JSONPath of the row inside each record: `$` means the whole record is one row. */
  readonly recordRowPath: string;
  readonly recordEncoding: "UTF-8";
  readonly columns: readonly InputColumn[];
}

const varchar = (length: number): InputSqlType => ({ kind: "VARCHAR", length });

function column(name: string, type: InputSqlType): InputColumn {
  const sqlType = "length" in type ? `${type.kind}(${type.length})` : type.kind;
  return { name, sqlType, type, mapping: `$.${name}` };
}

/** The lab's click record: `{"user_id","event_timestamp","event_name","event_type","device_type"}`. */
export const clickInputSchema: InputSchema = {
  namePrefix: "SOURCE_SQL_STREAM",
  streamName: "SOURCE_SQL_STREAM_001",
  recordFormat: "JSON",
  recordRowPath: "$",
  recordEncoding: "UTF-8",
  columns: [
    column("user_id", varchar(32)),
    column("event_timestamp", { kind: "BIGINT" }),
    column("event_name", varchar(32)),
    column("event_type", varchar(32)),
    column("device_type", varchar(32)),
  ],
};

/**
 * The product's click record (`sql/product.sql`): the lab's fields, with room for real ids: a
 * `user_id` of up to 256 characters (a UUID, an e-mail address) and names and device types of up to
 * 64. Longer strings are still truncated on input, as KDA documents.
 */
export const productInputSchema: InputSchema = {
  ...clickInputSchema,
  columns: [
    column("user_id", varchar(256)),
    column("event_timestamp", { kind: "BIGINT" }),
    column("event_name", varchar(64)),
    column("event_type", varchar(64)),
    column("device_type", varchar(64)),
  ],
};

/** Absolute path of the lab's SQL, anchored to this module rather than the working directory. */
export const sessionizeSqlPath = path.join(__dirname, "sessionize.sql");

/** The lab's SQL, byte for byte. */
export function readSessionizeSql(): string {
  return fs.readFileSync(sessionizeSqlPath, "utf8");
}
