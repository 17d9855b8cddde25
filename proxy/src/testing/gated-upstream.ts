/**
 * A real KServe v2 HTTP server on loopback for the proxy's tests: it passes every request to the embedded
 * runtime's handler, records what reached it (raw request targets), and can hold inference requests at a gate
 * (to fill the proxy's slots, or to never answer) and be stopped and restarted on the same port.
 */
import type { IncomingMessage, RequestListener } from "node:http";
import { startRestartableServer } from "./restartable-server.js";

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
  let waiting: (() => void)[] = [];
  let gateClosed = false;
  let held = 0;
  let abandoned = 0;
  const listener: RequestListener = (req, res) => {
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
  };

  const release = () => {
    const list = waiting;
    waiting = [];
    for (const resolve of list) resolve();
  };

  const server = await startRestartableServer(listener);
  return {
    get url() {
      return server.url;
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
      release();
      await server.stop();
    },
    start: () => server.start(),
  };
}
