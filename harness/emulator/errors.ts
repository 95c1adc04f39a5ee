/**
 * Error classes of the SQL harness. Load errors stop an application before it runs; row errors
 * never stop a stream: they become `error_stream` rows.
 */

/** A source position, 1-based, in the SQL text. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Thrown by `loadApplication` when the SQL cannot be run: a syntax error, an unknown stream or
 * column, a type mismatch or a construct the harness does not support. The message ends with the
 * position, e.g. `Unknown window unit "WEEK" at 3:41; expected SECOND, MINUTE, HOUR or DAY`.
 */
export class SqlLoadError extends Error {
  readonly line: number;
  readonly column: number;
  /** The SQL file, when the caller named it (`ApplicationOptions.sqlFile`). */
  readonly file: string | undefined;

  constructor(message: string, position: SourcePosition, file?: string) {
    const at = `${position.line}:${position.column}`;
    // Led by `file:line:column`, the message's own trailing "at line:column" would say it twice.
    super(file === undefined ? message : `${file}:${at}: ${message.replace(` at ${at}`, "")}`);
    this.name = "SqlLoadError";
    this.line = position.line;
    this.column = position.column;
    this.file = file;
  }

  /** The same error, its message led by `file:line:column` as compilers print it. */
  inFile(file: string): SqlLoadError {
    return new SqlLoadError(this.message, this, file);
  }
}

/** Formats a position as `line:column` for messages. */
export function at(position: SourcePosition): string {
  return `${position.line}:${position.column}`;
}

/**
 * Bad data, not a bug: an error that becomes an `error_stream` row named by `errorName`
 * (docs/semantics.md, "error_stream").
 */
export abstract class DataError extends Error {
  readonly errorName: string;

  constructor(errorName: string, message: string) {
    super(message);
    this.errorName = errorName;
  }
}

/**
 * The one way a row fails in a pump: thrown while the row is evaluated (a value too long for its
 * column, division by zero, a failed CAST, a bad format), caught by the application, which emits
 * an `error_stream` row with the pump's name.
 */
export class SqlRowError extends DataError {
  override readonly name = "SqlRowError";
}
