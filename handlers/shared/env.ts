/** Thrown at module load when the function is deployed without a variable it needs. */
export class MissingEnvironmentVariableError extends Error {
  public override readonly name = "MissingEnvironmentVariableError";

  public constructor(variable: string) {
    super(`Environment variable ${variable} is not set; the function needs it to run`);
  }
}

/**
 * Reads one environment variable that must be set and non-empty, so a misconfigured deployment
 * fails on its first invocation with the variable's name instead of writing to a table `undefined`.
 *
 * @example requiredEnv("SESSIONS_TABLE") // -> "clickstream-dev-sessions"
 */
export function requiredEnv(variable: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[variable];
  if (value === undefined || value === "") throw new MissingEnvironmentVariableError(variable);
  return value;
}
