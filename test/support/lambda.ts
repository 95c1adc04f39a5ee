/**
 * Test support for driving the handlers as Lambda does: a module instance per "container" (the
 * handler module evaluated afresh under its own environment, as a cold start), a context per
 * invocation, and the process's output captured while an invocation runs (where the handlers' JSON
 * logs and EMF metric lines go). Containers alive at the same time share the process's
 * environment: give them the same endpoint (and region and credentials).
 */
import type { Context } from "aws-lambda";
import type { handler as DeliveryHandler } from "../../handlers/deliver-sessions";
import type { handler as SessionizerHandler } from "../../handlers/sessionize-stream";
import { handlerEnvironment } from "../../sql/contracts";
import { credentials, region } from "./dynamo";
import type { SessionizerTables } from "./sessionizer";

export type Sessionizer = typeof SessionizerHandler;
export type Delivery = typeof DeliveryHandler;

const sessionizerPath = require.resolve("../../handlers/sessionize-stream");
const deliveryPath = require.resolve("../../handlers/deliver-sessions");

export const sessionizerFunctionArn =
  "arn:aws:lambda:us-east-1:123456789012:function:sessionize-stream";

/** The process's environment before the first container changed it. */
let original: NodeJS.ProcessEnv | undefined;

/**
 * Evaluates a handler module afresh under `env` (its own client, engine and configuration, as a
 * new container). The environment stays set, because the AWS SDK reads its region, credentials
 * and endpoint from it lazily, at the first call; `restoreEnvironment` puts it back.
 */
function coldStart<T>(modulePath: string, env: Readonly<Record<string, string>>): T {
  original ??= { ...process.env };
  delete require.cache[modulePath];
  Object.assign(process.env, env);
  try {
    // require, not import(): the module must be evaluated again, after the environment is set
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(modulePath) as { handler: T }).handler;
  } finally {
    delete require.cache[modulePath];
  }
}

/** Puts the process's environment back as it was before the first container (call in `after`). */
export function restoreEnvironment(): void {
  if (original === undefined) return;
  for (const name of Object.keys(process.env)) if (!(name in original)) delete process.env[name];
  Object.assign(process.env, original);
  original = undefined;
}

/** The environment of a handler writing to dynalite at `endpoint`; logs and metrics quiet. */
export function localHandlerEnv(
  endpoint: string,
  tables: Partial<SessionizerTables>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: "sessionize-stream",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...(tables.sessionsTable === undefined
      ? {}
      : { [handlerEnvironment.sessionsTable]: tables.sessionsTable }),
    ...(tables.deadLetterTable === undefined
      ? {}
      : { [handlerEnvironment.deadLetterTable]: tables.deadLetterTable }),
    ...(tables.stateTable === undefined
      ? {}
      : { [handlerEnvironment.stateTable]: tables.stateTable }),
    ...extra,
  };
}

/** A sessionizer container (`handlers/sessionize-stream.ts` loaded under `env`). */
export function sessionizerContainer(env: Readonly<Record<string, string>>): Sessionizer {
  return coldStart<Sessionizer>(sessionizerPath, env);
}

/** A delivery container (`handlers/deliver-sessions.ts` loaded under `env`). */
export function deliveryContainer(env: Readonly<Record<string, string>>): Delivery {
  return coldStart<Delivery>(deliveryPath, env);
}

let invocations = 0;

/** The context of one invocation: a fresh request id, and `remainingMs` left from now. */
export function invocation(
  remainingMs = 60_000,
): Pick<Context, "getRemainingTimeInMillis" | "awsRequestId" | "invokedFunctionArn"> {
  invocations += 1;
  const deadline = Date.now() + remainingMs;
  return {
    getRemainingTimeInMillis: () => deadline - Date.now(),
    awsRequestId: `request-${process.pid}-${invocations}`,
    invokedFunctionArn: sessionizerFunctionArn,
  };
}

/**
 * Runs `act` with the process's stdout and stderr captured (and not printed): the JSON lines the
 * handlers write there, parsed. Powertools' logger writes WARN and ERROR lines to stderr, the
 * others and the EMF metric lines to stdout.
 */
export async function capturingOutput<T>(
  act: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));
  let text = "";
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array): boolean => {
      text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      return true;
    }) as typeof stream.write;
  }
  try {
    const result = await act();
    const lines = text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { result, lines };
  } finally {
    streams.forEach((stream, i) => (stream.write = writes[i]));
  }
}

/** The value of the EMF metric `name` summed over the captured lines. */
export function metricTotal(lines: readonly Record<string, unknown>[], name: string): number {
  return lines
    .filter((line) => line._aws !== undefined && typeof line[name] === "number")
    .reduce((sum, line) => sum + (line[name] as number), 0);
}
