/**
 * A loopback HTTP server for tests that can be stopped, every open connection cut at once as when a process dies,
 * and started again on the same port.
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RestartableServer {
  readonly url: string;
  readonly port: number;
  /** Listens on 127.0.0.1, on the port it had before (a free one the first time). */
  start(): Promise<void>;
  /** Closes the listening socket and destroys every open connection. */
  stop(): Promise<void>;
}

export async function startRestartableServer(listener: RequestListener, port = 0): Promise<RestartableServer> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const start = async () => {
    const s = createServer(listener);
    s.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };

  const stop = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };

  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    start,
    stop,
  };
}
