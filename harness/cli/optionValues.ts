/**
 * Parsing of CLI option values, with errors that name the option, the value and what is allowed.
 */

/** Thrown for a bad command line; CLIs print the message and exit with status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** An integer of at least `minimum` (`--events 300`). */
export function integerOption(option: string, value: string, minimum = 0): number {
  const parsed = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < minimum) {
    throw new UsageError(`--${option} is "${value}"; expected an integer of at least ${minimum}`);
  }
  return parsed;
}

/** A comma-separated list of non-empty values (`--users a,b`). */
export function listOption(option: string, value: string): string[] {
  const items = value.split(",").map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === "")) {
    throw new UsageError(
      `--${option} is "${value}"; expected a comma-separated list of non-empty values`,
    );
  }
  return items;
}

/** A point in time as epoch milliseconds or an ISO-8601 date-time (`2026-01-01T00:00:00Z`). */
export function timeOption(option: string, value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new UsageError(
      `--${option} is "${value}"; expected epoch milliseconds or an ISO-8601 date-time`,
    );
  }
  return parsed;
}
