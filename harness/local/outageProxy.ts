/**
 * A TCP proxy on a free loopback port that can be switched off and on: the local stand-in for a
 * DynamoDB outage. While it is down, open connections are reset and new ones are refused at once,
 * which the SDK sees exactly as a network failure of the real service.
 */
import * as net from "net";

export interface OutageProxy {
  /** `http://127.0.0.1:<port>`: point clients here instead of at the target. */
  readonly endpoint: string;
  readonly isDown: boolean;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `targetPort` on 127.0.0.1. */
export function startOutageProxy(targetPort: number): Promise<OutageProxy> {
  const sockets = new Set<net.Socket>();
  let isDown = false;
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
    client.pipe(upstream).pipe(client);
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
        down() {
          isDown = true;
          for (const socket of sockets) socket.resetAndDestroy();
        },
        up() {
          isDown = false;
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
