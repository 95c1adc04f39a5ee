/**
 * Test support: an HTTP proxy in front of dynalite that sees every DynamoDB call (its operation and
 * its JSON body) and can hold the ones a test picks until it lets them go, or answer them with an
 * AWS error instead of forwarding them. It is how the tests, driving the handlers' exported
 * `handler` (whose DynamoDB client they cannot reach), order two invocations exactly or make one
 * key's writes fail: point a handler's `AWS_ENDPOINT_URL_DYNAMODB` at `endpoint`.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One DynamoDB call as the proxy sees it. */
export interface DynamoCall {
  /** The operation: `PutItem`, `UpdateItem`, `BatchWriteItem`, ... */
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

export type CallMatcher = (call: DynamoCall) => boolean;

/** A hold on the next call a matcher picks: `reached` resolves when it arrives. */
export interface Hold {
  readonly reached: Promise<void>;
  release(): void;
}

export interface GateProxy {
  readonly endpoint: string;
  /** Every call received, in order. */
  readonly calls: readonly DynamoCall[];
  /** Holds the next call `matches` picks until `release()`; later ones pass. */
  hold(matches: CallMatcher): Hold;
  /**
   * Lets `writes` more write calls (PutItem, UpdateItem, BatchWriteItem) through, then drops every
   * call, of any kind, without an answer until `restore()`: DynamoDB as an invocation that died at
   * that point left it.
   */
  crashAfterWrites(writes: number): void;
  restore(): void;
  /** Answers every call `matches` picks with the AWS error `type` (HTTP 400) until `clear()`. */
  fail(matches: CallMatcher, type: string, message?: string): void;
  /** Ends every `fail`. */
  clear(): void;
  close(): Promise<void>;
}

/** The calls that change a table: what a crash can fall between. */
const writeOperations: ReadonlySet<string> = new Set(["PutItem", "UpdateItem", "BatchWriteItem"]);

/** Starts a proxy to the dynalite at `target` (`http://127.0.0.1:<port>`). */
export async function startGateProxy(target: string): Promise<GateProxy> {
  const upstream = new URL(target);
  const calls: DynamoCall[] = [];
  const holds: { matches: CallMatcher; gate: Promise<void>; arrived: () => void }[] = [];
  let failures: { matches: CallMatcher; type: string; message: string }[] = [];
  let writesLeft = Number.POSITIVE_INFINITY;
  let crashed = false;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const targetHeader = String(request.headers["x-amz-target"] ?? "");
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
        } catch {
          body = {};
        }
        const call = { operation: targetHeader.split(".").at(-1) ?? "", body };
        calls.push(call);
        if (!crashed && writeOperations.has(call.operation)) {
          if (writesLeft <= 0) crashed = true;
          else writesLeft -= 1;
        }
        if (crashed) {
          request.socket.destroy();
          return;
        }
        const hold = holds.find((h) => h.matches(call));
        if (hold !== undefined) {
          holds.splice(holds.indexOf(hold), 1);
          hold.arrived();
          await hold.gate;
        }
        const failure = failures.find((f) => f.matches(call));
        if (failure !== undefined) {
          response.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
          response.end(
            JSON.stringify({
              __type: `com.amazonaws.dynamodb.v20120810#${failure.type}`,
              message: failure.message,
            }),
          );
          return;
        }
        const forwarded = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: request.method,
            path: request.url,
            headers: request.headers,
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(response);
          },
        );
        forwarded.on("error", () => response.destroy());
        forwarded.end(raw);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    hold(matches) {
      let release!: () => void;
      let arrived!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const hold = { matches, gate, arrived };
      holds.push(hold);
      return {
        reached,
        release() {
          if (holds.includes(hold)) holds.splice(holds.indexOf(hold), 1);
          release();
        },
      };
    },
    crashAfterWrites(writes) {
      writesLeft = writes;
      crashed = false;
    },
    restore() {
      writesLeft = Number.POSITIVE_INFINITY;
      crashed = false;
    },
    fail(matches, type, message = "injected by the test") {
      failures.push({ matches, type, message });
    },
    clear() {
      failures = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Picks the calls of `operation` that write or read the state item `pk`. */
export function onStateItem(operation: string, pk: string): CallMatcher {
  return (call) => {
    if (call.operation !== operation) return false;
    const item = (call.body.Item ?? call.body.Key) as { pk?: { S?: string } } | undefined;
    return item?.pk?.S === pk;
  };
}
