/**
 * A real KServe v2 HTTP server on loopback that delegates every request to a backend fetch function (the embedded
 * runtime's in-process handler) and injects faults on the way back: answers slower than the proxy's deadline,
 * malformed JSON, truncated binary tensors, 500s and dropped connections. It can be killed (listening socket and
 * every open connection closed at once) and restarted on the same port, and it keeps an access log so that tests
 * can assert on what reached it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerWith, readBody, writeAnswer, type Answer, type FetchHandler } from "../support/node-to-fetch.js";
import { startRestartableServer } from "../support/restartable-server.js";
import { seededRandom } from "../support/seeded-random.js";

export type KServeFetch = FetchHandler;

export const FAULT_KINDS = ["slow", "malformed-json", "truncated-binary", "status-500", "reset"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Fault = FaultKind | "none";

/** Probability of each fault per request; the rest are answered faithfully. */
export type FaultRates = Record<FaultKind, number>;

export const NO_FAULTS: FaultRates = { slow: 0, "malformed-json": 0, "truncated-binary": 0, "status-500": 0, reset: 0 };

export interface FaultUpstreamOptions {
  backend: KServeFetch;
  /** Fault rates for POST .../infer; metadata routes (index, config, ready) get `metadataRates`. */
  inferRates?: Partial<FaultRates>;
  metadataRates?: Partial<FaultRates>;
  /** How long a "slow" answer waits before it is sent (choose it beyond the proxy's upstream deadline). */
  slowMs?: number;
  seed?: number;
  /** Port to listen on; 0 (default) picks a free one, kept across restarts. */
  port?: number;
}

export interface AccessLogEntry {
  method: string;
  /** The request target exactly as received, before any decoding. */
  rawPath: string;
  fault: Fault;
}

export interface FaultUpstream {
  readonly url: string;
  readonly port: number;
  readonly accessLog: AccessLogEntry[];
  readonly faultCounts: Record<Fault, number>;
  readonly restarts: number;
  setRates(infer: Partial<FaultRates>, metadata?: Partial<FaultRates>): void;
  /** Stops listening and drops every open connection, as a crashed server would. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

const INFER_PATH = /^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/infer$/;
const BINARY_HEADER = "inference-header-content-length";

export async function startFaultUpstream(options: FaultUpstreamOptions): Promise<FaultUpstream> {
  const random = seededRandom(options.seed ?? 1);
  const slowMs = options.slowMs ?? 5_000;
  let inferRates: FaultRates = { ...NO_FAULTS, ...options.inferRates };
  let metadataRates: FaultRates = { ...NO_FAULTS, ...options.metadataRates };
  const accessLog: AccessLogEntry[] = [];
  const faultCounts: Record<Fault, number> = { none: 0, slow: 0, "malformed-json": 0, "truncated-binary": 0, "status-500": 0, reset: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let restarts = 0;

  const pickFault = (rates: FaultRates): Fault => {
    let roll = random();
    for (const kind of FAULT_KINDS) {
      if (roll < rates[kind]) return kind;
      roll -= rates[kind];
    }
    return "none";
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const rawPath = req.url ?? "/";
    const isInfer = req.method === "POST" && INFER_PATH.test(rawPath.split("?")[0] ?? "");
    const fault = pickFault(isInfer ? inferRates : metadataRates);
    accessLog.push({ method: req.method ?? "", rawPath, fault });
    faultCounts[fault] += 1;

    const body = await readBody(req);
    if (fault === "reset") {
      req.socket.destroy();
      return;
    }
    if (fault === "status-500") {
      writeAnswer(res, { status: 500, headers: jsonHeaders(), body: Buffer.from('{"error":"injected internal error"}') });
      return;
    }
    const answer = await answerWith(options.backend, req, body);
    if (fault === "slow") {
      await sleep(slowMs);
      if (res.destroyed) return;
      writeAnswer(res, answer);
    } else if (fault === "malformed-json") {
      writeAnswer(res, malformJson(answer, random));
    } else if (fault === "truncated-binary") {
      truncate(res, answer, random);
    } else {
      writeAnswer(res, answer);
    }
  };

  const server = await startRestartableServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  }, options.port);

  const kill = async () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await server.stop();
  };

  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    accessLog,
    faultCounts,
    get restarts() {
      return restarts;
    },
    setRates(infer, metadata) {
      inferRates = { ...NO_FAULTS, ...infer };
      if (metadata) metadataRates = { ...NO_FAULTS, ...metadata };
    },
    kill,
    async restart() {
      await kill();
      await server.start();
      restarts += 1;
    },
    close: kill,
  };
}

function jsonHeaders(): Headers {
  return new Headers({ "content-type": "application/json" });
}

/** Replaces a JSON answer (or a binary answer's JSON header) with one of several broken forms. */
function malformJson(answer: Answer, random: () => number): Answer {
  const headerLength = Number(answer.headers.get(BINARY_HEADER) ?? answer.body.length);
  const json = answer.body.subarray(0, headerLength).toString("utf8");
  const variants = [
    json.slice(0, Math.floor(json.length / 2)),
    "<html>502 Bad Gateway</html>",
    '{"model_name":"embed","outputs":"not a list"}',
    '{"model_name":"embed","outputs":[{"name":"EMBEDDING","datatype":"FP32","shape":[1,384],"data":[0.5,"x"]}]}',
    '{"model_name":"bertscore","outputs":[{"name":"F1","datatype":"FP32","shape":[3],"data":[0.1]}]}',
    "null",
  ];
  const body = Buffer.from(variants[Math.floor(random() * variants.length)] ?? "");
  return { status: 200, headers: jsonHeaders(), body };
}

/**
 * Cuts a binary tensor answer short: either the HTTP body is complete but shorter than its tensors need, or the
 * connection ends before the declared Content-Length. A JSON answer is cut mid-document instead.
 */
function truncate(res: ServerResponse, answer: Answer, random: () => number): void {
  const headerLength = Number(answer.headers.get(BINARY_HEADER) ?? 0);
  const tensorBytes = answer.body.length - headerLength;
  const cut =
    headerLength > 0 && tensorBytes > 0
      ? headerLength + Math.floor(tensorBytes * random())
      : Math.floor(answer.body.length * random());
  const short = { ...answer, body: answer.body.subarray(0, cut) };
  if (random() < 0.5) {
    writeAnswer(res, short);
  } else {
    writeAnswer(res, short, answer.body.length);
  }
}
