/**
 * The SQL applications a stack can run, chosen by the stack config key `sqlApplication`: each is a
 * SQL file beside this module and its input schema. The Pulumi program deploys the chosen one (as
 * the KDA application's code, or beside the sessionizer's bundle), the sessionizer reads it by the
 * name in `SQL_APPLICATION`, and the local pipeline and tests run it with the emulator.
 *
 * - `lab`: `sql/sessionize.sql`, the lab's SQL verbatim (session ids that repeat every day, user ids
 *   of 7 characters); the `lab` stack keeps it.
 * - `product`: `sql/product.sql`, what a new stack deploys: the lab's 10 s rule, ids unique across
 *   days, long user ids, and items that carry user, device and start time.
 *
 * Both emit one DESTINATION_SQL_STREAM row per session start with a `session_id`, so one delivery
 * stores either (`docs/delivery.md`).
 */
import * as fs from "fs";
import * as path from "path";
import { clickInputSchema, productInputSchema, type InputSchema } from "./inputSchema";

export const sqlApplicationNames = ["lab", "product"] as const;
export type SqlApplicationName = (typeof sqlApplicationNames)[number];

/** What the stacks, the sessionizer and the tools run unless told otherwise. */
export const defaultSqlApplication: SqlApplicationName = "product";

/** The fields of a click a session id is made of. */
export interface ClickFields {
  readonly user_id: string;
  readonly event_timestamp: string | number;
  readonly device_type: string;
}

export interface SqlApplicationSpec {
  readonly name: SqlApplicationName;
  /** One line for `--help` and the docs. */
  readonly description: string;
  /** The SQL file's name, beside this module in the repository and beside the bundle when deployed. */
  readonly sqlFile: string;
  readonly inputSchema: InputSchema;
  /** The input column every window of the SQL partitions by (the sessionizer keys its state by it). */
  readonly partitionColumn: string;
  /** A pause longer than this starts a session. */
  readonly sessionGapMs: number;
  /**
   * The `session_id` the SQL gives a session that starts with `click`, for tools that match clicks
   * to items (the local run's report).
   */
  sessionIdOf(click: ClickFields): string;
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

export const sqlApplications: { readonly [N in SqlApplicationName]: SqlApplicationSpec } = {
  lab: {
    name: "lab",
    description:
      "the lab's sql/sessionize.sql, verbatim: session_id = user_device_HH:mm:ss, user_id CHAR(7)",
    sqlFile: "sessionize.sql",
    inputSchema: clickInputSchema,
    partitionColumn: "user_id",
    sessionGapMs: 10_000,
    sessionIdOf(click) {
      const t = new Date(Number(click.event_timestamp));
      const clock = `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())}`;
      // Built from INTERMEDIATE_SQL_STREAM's VARCHAR user_id, so without CHAR(7) padding.
      return `${click.user_id}_${click.device_type}_${clock}`;
    },
  },
  product: {
    name: "product",
    description:
      "sql/product.sql: session_id = user_<UTC start>, unique across days; user_id up to 256 characters",
    sqlFile: "product.sql",
    inputSchema: productInputSchema,
    partitionColumn: "user_id",
    sessionGapMs: 10_000,
    sessionIdOf(click) {
      return `${click.user_id.slice(0, 256)}_${new Date(Number(click.event_timestamp)).toISOString()}`;
    },
  },
};

/** The application's SQL file, read with a path anchored to this module (or to the bundle). */
export function sqlApplicationPath(name: SqlApplicationName): string {
  return path.join(__dirname, sqlApplications[name].sqlFile);
}

/** The application's SQL, byte for byte. */
export function readApplicationSql(name: SqlApplicationName): string {
  return fs.readFileSync(sqlApplicationPath(name), "utf8");
}

/**
 * The application named `value`; throws naming the value and the allowed names otherwise.
 *
 * @example sqlApplicationNamed("product").sqlFile // -> "product.sql"
 */
export function sqlApplicationNamed(value: string): SqlApplicationSpec {
  if ((sqlApplicationNames as readonly string[]).includes(value)) {
    return sqlApplications[value as SqlApplicationName];
  }
  throw new Error(
    `SQL application ${JSON.stringify(value)} is unknown; expected ${sqlApplicationNames.join(" or ")}`,
  );
}
