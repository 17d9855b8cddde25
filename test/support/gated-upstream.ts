/**
 * A real KServe v2 HTTP server on loopback for the proxy's tests: it passes every request to the embedded
 * runtime's handler, records what reached it (raw request targets), and can hold inference requests at a gate
 * (to fill the proxy's slots, or to never answer) and be stopped and restarted on the same port.
 */
import type { RequestListener } from "node:http";
import { answerWith, readBody, writeAnswer, type FetchHandler } from "./node-to-fetch.js";
import { startRestartableServer } from "./restartable-server.js";

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

export async function startGatedUpstream(handler: FetchHandler): Promise<GatedUpstream> {
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
      writeAnswer(res, await answerWith(handler, req, body));
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
