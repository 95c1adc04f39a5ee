/**
 * JSON text of any value, never throwing. `JSON.parse` (and Lambda's event parser) accept nesting
 * deeper than `JSON.stringify` can recurse, so a hostile row must not reach a bare `JSON.stringify`:
 * it would throw RangeError and fail the whole invocation.
 *
 * @example jsonText({ a: 1 }) // -> '{"a":1}';  jsonText(undefined) // -> "undefined"
 */
export function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Array.isArray(value) ? "[...]" : "{...}";
  }
}
