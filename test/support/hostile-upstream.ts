/**
 * A KServe v2 server on loopback that lies, for the faults a real Triton cannot be made to show. The scenario is
 * the base URL's path (`${url}/s/<scenario>` as TRITON_URL), so one server serves every scenario and each proxy
 * configuration picks its own. Calls are passed to a real backend (the embedded runtime) and the answer is bent:
 * a redirect to another origin, a body far larger than asked for, a huge error text naming internals, non-finite
 * or unnormalised tensors, a connection cut in the middle of an answer. `GET /__log` reports what happened, so a
 * test inside workerd can check it too.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { decodeInferResponse, encodeInferResponse, parseHeaderLength } from "@gpu-bridge/kserve/binary";
import type { Tensor } from "@gpu-bridge/kserve/types";
import { answerWith, readBody, writeAnswer, type Answer, type FetchHandler } from "./node-to-fetch.js";
import { startRestartableServer, type RestartableServer } from "./restartable-server.js";

export const HOSTILE_SCENARIOS = [
  "honest",
  /** Every call answered 307 to another origin, which records what reaches it and answers faithfully. */
  "redirect",
  /** Inference: Content-Length of 1 GiB, a faithful start, then nothing more. */
  "huge-declared",
  /** Inference: a chunked body that goes on for 256 MiB. */
  "huge-streamed",
  /** Inference: 400 with a 50 MB `error` that starts with Triton's request id and a file path. */
  "huge-error",
  /** /embed: one element NaN, one +Infinity, every vector `[n, 0]`, or vectors of norm 1e38. */
  "embed-nan",
  "embed-inf",
  "embed-zero-dims",
  "embed-huge-norm",
  /**
   * /bertscore: F1 of +Infinity, of 1e30, or not 2PR/(P+R); precision NaN with F1 0 (documented: null, with idf only).
   */
  "bertscore-f1-inf",
  "bertscore-f1-huge",
  "bertscore-f1-mismatch",
  "bertscore-precision-nan",
  /** Inference: half of a faithful answer, then the connection is cut. */
  "cut-mid-answer",
] as const;
export type HostileScenario = (typeof HOSTILE_SCENARIOS)[number];

export interface HostileRecord {
  scenario: string;
  method: string;
  path: string;
  /** Header names and values as received. */
  headers: Record<string, string>;
  /** Body bytes written before the answer ended or the connection closed. */
  bytesSent: number;
  /** Whether the client closed the connection before the answer was complete. */
  closedEarly: boolean;
  /** Set on the redirect target's records. */
  redirected?: boolean;
}

export interface HostileUpstream {
  readonly url: string;
  /** TRITON_URL for a scenario; `live`: whichever scenario `use()` chose last (one proxy, many scenarios). */
  urlOf(scenario: HostileScenario | "live"): string;
  use(scenario: HostileScenario): void;
  readonly records: HostileRecord[];
  stop(): Promise<void>;
}

const SCENARIO_PATH = /^\/s\/([a-z0-9-]+)(\/.*)$/;
const INFER = /\/infer$/;
const GIB = 2 ** 30;
const STREAMED_BYTES = 256 * 2 ** 20;
const ERROR_BYTES = 50 * 10 ** 6;
/** What the huge error starts with: internals a client must never see. */
export const HOSTILE_ERROR_PREFIX = '{"error":"[request id: 42] model.py failed reading /opt/tritonserver/models/embed/1/model.py: ';

/** A backend that passes each request on to a real KServe v2 server at `baseUrl` (e.g. a runtime process). */
export function forwardTo(baseUrl: string): FetchHandler {
  return async (request) => {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    for (const name of ["content-length", "transfer-encoding", "host", "connection"]) headers.delete(name);
    const init: RequestInit = { method: request.method, headers };
    if (request.method !== "GET" && request.method !== "HEAD") init.body = await request.arrayBuffer();
    return fetch(`${baseUrl}${url.pathname}${url.search}`, init);
  };
}

function newRecord(scenario: string, req: IncomingMessage, path: string): HostileRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = String(value);
  return { scenario, method: req.method ?? "", path, headers, bytesSent: 0, closedEarly: false };
}

/** A backend answer's tensors, changed by `bend`, re-encoded with every output in the binary section. */
function bendTensors(answer: Answer, bend: (tensors: Tensor[]) => void): Answer {
  const decoded = decodeInferResponse(new Uint8Array(answer.body), parseHeaderLength(answer.headers, answer.body.length));
  bend(decoded.outputs);
  const encoded = encodeInferResponse(decoded, new Set(decoded.outputs.map((t) => t.name)));
  return { status: 200, headers: new Headers(encoded.headers), body: Buffer.from(encoded.body) };
}

function floatsOf(tensors: Tensor[], name: string): Float32Array {
  const tensor = tensors.find((t) => t.name === name);
  if (!tensor) throw new Error(`no output ${name}`);
  return tensor.data as Float32Array;
}

const BENT: Partial<Record<HostileScenario, (tensors: Tensor[]) => void>> = {
  "embed-nan": (t) => void (floatsOf(t, "EMBEDDING")[0] = NaN),
  "embed-inf": (t) => void (floatsOf(t, "EMBEDDING")[1] = Infinity),
  "embed-zero-dims": (t) => {
    const tensor = t.find((x) => x.name === "EMBEDDING") as Tensor;
    tensor.shape = [tensor.shape[0] as number, 0];
    tensor.data = new Float32Array(0);
  },
  "embed-huge-norm": (t) => {
    const data = floatsOf(t, "EMBEDDING");
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * 1e38;
  },
  "bertscore-f1-inf": (t) => void (floatsOf(t, "F1")[0] = Infinity),
  "bertscore-f1-huge": (t) => void (floatsOf(t, "F1")[0] = 1e30),
  "bertscore-f1-mismatch": (t) => {
    const f1 = floatsOf(t, "F1");
    f1[0] = (f1[0] as number) > 0.5 ? 0.1 : 0.9;
  },
  "bertscore-precision-nan": (t) => {
    floatsOf(t, "PRECISION")[0] = NaN;
    floatsOf(t, "F1")[0] = 0;
  },
};

/** Writes `chunk` until `total` bytes are out or the client goes away, counting them in `record`. */
async function stream(res: ServerResponse, chunk: Buffer, total: number, record: HostileRecord): Promise<void> {
  while (record.bytesSent < total && !res.destroyed) {
    const slice = chunk.subarray(0, Math.min(chunk.length, total - record.bytesSent));
    record.bytesSent += slice.length;
    if (!res.write(slice)) {
      // whichever comes first; the other listener goes too, or a long stream piles up one per drain
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.once("drain", done);
        res.once("close", done);
      });
    }
  }
}

export async function startHostileUpstream(backend: FetchHandler): Promise<HostileUpstream> {
  const records: HostileRecord[] = [];
  let live: HostileScenario = "honest";

  const target = await startRestartableServer((req, res) => {
    void (async () => {
      const record = newRecord("redirect", req, req.url ?? "");
      record.redirected = true;
      records.push(record);
      const answer = await answerWith(backend, req, await readBody(req));
      record.bytesSent = answer.body.length;
      writeAnswer(res, answer);
    })().catch(() => res.destroy());
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? "/";
    if (raw === "/__log") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ records }));
      return;
    }
    const match = SCENARIO_PATH.exec(raw);
    const named = match?.[1] ?? "honest";
    const scenario = (named === "live" ? live : named) as HostileScenario;
    const path = match?.[2] ?? raw;
    const record = newRecord(scenario, req, path);
    records.push(record);
    res.on("close", () => {
      if (!res.writableFinished) record.closedEarly = true;
    });
    const body = await readBody(req);
    req.url = path;
    const isInfer = req.method === "POST" && INFER.test(path);

    if (scenario === "redirect") {
      res.writeHead(307, { location: `${target.url}${path}`, "content-length": "0" }).end();
      return;
    }
    if (!isInfer || scenario === "honest") {
      const answer = await answerWith(backend, req, body);
      record.bytesSent = answer.body.length;
      writeAnswer(res, answer);
      return;
    }
    switch (scenario) {
      case "huge-declared": {
        const answer = await answerWith(backend, req, body);
        const headers: Record<string, string> = { "content-length": String(GIB) };
        answer.headers.forEach((value, name) => {
          if (name !== "content-length") headers[name] = value;
        });
        res.writeHead(200, headers);
        record.bytesSent = answer.body.length;
        res.write(answer.body); // and never the rest
        return;
      }
      case "huge-streamed":
        res.writeHead(200, { "content-type": "application/octet-stream", "inference-header-content-length": "2" });
        await stream(res, Buffer.alloc(64 * 1024, 0x20), STREAMED_BYTES, record);
        res.end();
        return;
      case "huge-error":
        res.writeHead(400, { "content-type": "application/json" });
        res.write(HOSTILE_ERROR_PREFIX);
        record.bytesSent = HOSTILE_ERROR_PREFIX.length;
        await stream(res, Buffer.alloc(64 * 1024, "x"), ERROR_BYTES, record);
        res.end('"}');
        return;
      case "cut-mid-answer": {
        const answer = await answerWith(backend, req, body);
        record.bytesSent = Math.floor(answer.body.length / 2);
        writeAnswer(res, { ...answer, body: answer.body.subarray(0, record.bytesSent) }, answer.body.length);
        return;
      }
      default: {
        const bend = BENT[scenario];
        const answer = await answerWith(backend, req, body);
        const bent = bend && answer.status === 200 ? bendTensors(answer, bend) : answer;
        record.bytesSent = bent.body.length;
        writeAnswer(res, bent);
      }
    }
  };

  const server: RestartableServer = await startRestartableServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  return {
    get url() {
      return server.url;
    },
    urlOf: (scenario) => `${server.url}/s/${scenario}`,
    use(scenario) {
      live = scenario;
    },
    records,
    async stop() {
      await server.stop();
      await target.stop();
    },
  };
}
