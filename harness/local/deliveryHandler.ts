/**
 * Loads the real delivery Lambda (`handlers/deliver-sessions.ts`) into this process the way the
 * Lambda runtime would: its environment set before the module loads (it reads env and creates its
 * DynamoDB client once, at load), a fresh module instance per pipeline run, and a context whose
 * deadline is the function's timeout.
 */
import * as fs from "fs";
import * as path from "path";
import type { DeliverFunction } from "./deliveryOutput";

/** The deployed function's timeout (the lab sets one minute). */
export const functionTimeoutMs = 60_000;

/** The deployed function's module. */
export const deliveryHandlerModule = path.join(
  __dirname,
  "..",
  "..",
  "handlers",
  "deliver-sessions",
);

type HandlerModule = typeof import("../../handlers/deliver-sessions");

/** A loaded handler and how to put the process environment back as it was. */
export interface LoadedHandler {
  readonly deliver: DeliverFunction;
  /** Restores the environment variables the load set. */
  restoreEnvironment(): void;
}

/**
 * Sets `env`, loads a fresh instance of the handler module and returns it as a delivery function.
 * Earlier instances keep the clients they were created with, so runs do not share a table.
 */
export function loadDeliveryHandler(
  env: Readonly<Record<string, string>>,
  timeoutMs: number = functionTimeoutMs,
  modulePath: string = deliveryHandlerModule,
): LoadedHandler {
  // Cached modules are keyed by real path.
  const handlersDir = fs.realpathSync(path.dirname(modulePath)) + path.sep;
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  for (const cached of Object.keys(require.cache)) {
    if (cached.startsWith(handlersDir)) delete require.cache[cached];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(modulePath) as HandlerModule;
  return {
    deliver: (event) => {
      const deadline = Date.now() + timeoutMs;
      return handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() });
    },
    restoreEnvironment() {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}
