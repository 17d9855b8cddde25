/**
 * A real KServe v2 HTTP server on loopback for the proxy's tests: it passes every request to the embedded
 * runtime's handler, records what reached it (raw request targets), and can hold inference requests at a gate
 * (to fill the proxy's slots, or to never answer) and be stopped and restarted on the same port.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Handler = (request: Request) => Promise<Response>;

export interface GatedUpstream {
  readonly url: string;
  /** Raw request targets (`METHOD /path`), exactly as received. */
  readonly accessLog: string[];
  /** Inference requests waiting at the gate. */
  readonly held: number;
  /** Inference requests whose client went away while held. */
  readonly abandoned: number;
  /** From now on, inference requests wait until `open()` (or forever). */
  close(): void;
  open(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const INFER = /\/infer$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startGatedUpstream(handler: Handler): Promise<GatedUpstream> {
  const accessLog: string[] = [];
  const sockets = new Set<Socket>();
  let waiting: (() => void)[] = [];
  let gateClosed = false;
  let held = 0;
  let abandoned = 0;
  let port = 0;
  let server: Server | undefined;

  const listen = async () => {
    const s = createServer((req, res) => {
      void (async () => {
        accessLog.push(`${req.method} ${req.url}`);
        const body = await readBody(req);
        if (gateClosed && INFER.test(req.url ?? "")) {
          held += 1;
          let gone = false;
          res.on("close", () => {
            if (!res.writableFinished) {
              gone = true;
              abandoned += 1;
            }
          });
          await new Promise<void>((resolve) => waiting.push(resolve));
          held -= 1;
          if (gone) return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === "string" && name !== "host" && name !== "connection") headers.set(name, value);
        }
        const method = req.method ?? "GET";
        const answer = await handler(
          new Request(`http://127.0.0.1${req.url ?? "/"}`, {
            method,
            headers,
            ...(method === "GET" || method === "HEAD" ? {} : { body: new Uint8Array(body) }),
          }),
        );
        const bytes = Buffer.from(await answer.arrayBuffer());
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (name !== "content-length" && name !== "transfer-encoding") out[name] = value;
        });
        res.writeHead(answer.status, { ...out, "content-length": String(bytes.length) });
        res.end(bytes);
      })().catch(() => res.destroy());
    });
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

  const release = () => {
    const list = waiting;
    waiting = [];
    for (const resolve of list) resolve();
  };

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    accessLog,
    get held() {
      return held;
    },
    get abandoned() {
      return abandoned;
    },
    close() {
      gateClosed = true;
    },
    open() {
      gateClosed = false;
      release();
    },
    async stop() {
      const s = server;
      server = undefined;
      release();
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    start: listen,
  };
}
