/**
 * A TCP proxy on a free loopback port that can be switched off and on: the local stand-in for a
 * DynamoDB outage. While it is down, open connections are reset and new ones are refused at once,
 * which the SDK sees exactly as a network failure of the real service. It counts the HTTP requests
 * it forwards, so an outage can also begin at a chosen request (a crash in the middle of a batch).
 */
import * as net from "net";

export interface OutageProxy {
  /** `http://127.0.0.1:<port>`: point clients here instead of at the target. */
  readonly endpoint: string;
  readonly isDown: boolean;
  /** HTTP requests received while up (counted by their `POST /` request lines). */
  readonly requests: number;
  down(): void;
  /** Goes down when the `n`-th request from now (from 1) arrives, before forwarding it. */
  downAtRequest(n: number): void;
  /** Ends an outage, and cancels one scheduled by `downAtRequest`. */
  up(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `targetPort` on 127.0.0.1. */
export function startOutageProxy(targetPort: number): Promise<OutageProxy> {
  const sockets = new Set<net.Socket>();
  let isDown = false;
  let requests = 0;
  let downAt = Number.POSITIVE_INFINITY;
  const down = (): void => {
    isDown = true;
    for (const socket of sockets) socket.resetAndDestroy();
  };
  const server = net.createServer((client) => {
    if (isDown) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (chunk: Buffer) => {
      requests += chunk.toString("latin1").split("POST /").length - 1;
      if (requests >= downAt) down();
      else upstream.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        endpoint: `http://127.0.0.1:${port}`,
        get isDown() {
          return isDown;
        },
        get requests() {
          return requests;
        },
        down,
        downAtRequest(n) {
          downAt = requests + n;
        },
        up() {
          isDown = false;
          downAt = Number.POSITIVE_INFINITY;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
