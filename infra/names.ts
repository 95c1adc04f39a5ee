/**
 * Physical names the program derives. AWS limits each kind of name to its own length and characters,
 * while a Pulumi stack may be named with up to 100 letters, digits, `_`, `.` and `-`; these functions
 * turn any stack name into names every service accepts, and keep distinct stacks apart.
 */
import * as crypto from "crypto";

/**
 * The longest name prefix: `<prefix>-function` must fit Lambda's 64 characters. Every other name
 * derived from the prefix (stream, application, tables, log groups) allows more.
 */
export const maxNamePrefixLength = 55;

/** Characters every derived name accepts (Lambda function names allow no `.`). */
export const namePrefixPattern = /^[A-Za-z0-9_-]+$/;

/**
 * Longest `namePrefix` of an IAM role: IAM appends a 26-character unique suffix to reach at most 64.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
 */
export const maxRoleNamePrefixLength = 38;

const hashLength = 8;

/**
 * `text` if it is at most `maxLength` characters of {@link namePrefixPattern}; otherwise `text` with
 * every other character turned into `-`, cut to fit, and ended with 8 hex digits of its SHA-256, so
 * that two texts that differ only in what was cut or replaced still get different names.
 *
 * `shortenName("clickstream-sessionizer-dev", 55)` -> `"clickstream-sessionizer-dev"`;
 * `shortenName("p-integration.test.1", 55)` -> `"p-integration-test-1-<8 hex digits>"`
 */
export function shortenName(text: string, maxLength: number): string {
  if (text.length <= maxLength && namePrefixPattern.test(text)) return text;
  const hash = crypto.createHash("sha256").update(text).digest("hex").slice(0, hashLength);
  const head = text
    .replace(/[^A-Za-z0-9_-]/g, "-")
    .slice(0, maxLength - hashLength - 1)
    .replace(/-+$/, "");
  return `${head}-${hash}`;
}

/**
 * The default name prefix of a stack: `<project>-<stack>`, shortened with a hash when the stack name
 * has characters a function name refuses or is too long. Stack names that were valid before (letters,
 * digits and hyphens, short enough) keep the very prefix they had, so their resources are not renamed.
 *
 * `derivedNamePrefix("clickstream-sessionizer", "dev")` -> `"clickstream-sessionizer-dev"`
 */
export function derivedNamePrefix(project: string, stack: string): string {
  return shortenName(`${project}-${stack}`, maxNamePrefixLength);
}

/**
 * The `namePrefix` of the stack's IAM roles. Role names are global to the account, so the prefix
 * carries the region: the same stack file deployed to a second region gets roles of its own instead
 * of failing with `EntityAlreadyExists`. IAM completes the name with a unique suffix.
 *
 * `roleNamePrefix("lab", "us-west-2")` -> `"lab-us-west-2-"`
 */
export function roleNamePrefix(prefix: string, region: string): string {
  return `${shortenName(`${prefix}-${region}`, maxRoleNamePrefixLength - 1)}-`;
}
