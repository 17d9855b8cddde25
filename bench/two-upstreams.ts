/**
 * Bench: /embed throughput through the proxy with two upstreams (TRITON_URL="a,b") against one, in the same run.
 * Each upstream is a tiny KServe v2 server written here that answers every inference in a fixed time, one at a
 * time (concurrency 1, like a GPU that is busy), so the ratio measures how the proxy spreads load, not the model.
 * Target: both ≥ 1.8× one. Writes bench-results/two-upstreams.json.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { runLoad, type LoadReport, type LoadRequest } from "@gpu-bridge/test-support/load-driver";
import { startProxyProcess } from "@gpu-bridge/test-support/proxy-process";
import { checkDocumentedShape } from "@gpu-bridge/test-support/response-shapes";
import { writeBenchResult, type BenchMetric } from "./results.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "400" },
    concurrency: { type: "string", default: "8" },
    "service-ms": { type: "string", default: "20" },
  },
});
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const SERVICE_MS = Number(values["service-ms"]);

const MODEL = "fixed";
const PUBLIC_NAME = "fixed-time-embed";
const DIMENSIONS = 4;

const CONFIG = {
  name: MODEL,
  max_batch_size: 32,
  parameters: { task: { string_value: "embed" }, model_name: { string_value: PUBLIC_NAME } },
};

interface FixedTimeUpstream {
  url: string;
  inferences: () => number;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined);
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.length) });
  res.end(bytes);
}

/** A KServe v2 server of one embed model; inferences are served one after another, each taking SERVICE_MS. */
async function startFixedTimeUpstream(): Promise<FixedTimeUpstream> {
  let busy: Promise<void> = Promise.resolve();
  let inferences = 0;
  const serveOne = () => {
    const turn = busy.then(() => new Promise<void>((resolve) => setTimeout(resolve, SERVICE_MS)));
    busy = turn;
    return turn;
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = (await readJson(req)) as { inputs?: { shape?: number[] }[] } | undefined;
      const url = req.url ?? "";
      if (req.method === "POST" && url === "/v2/repository/index") return send(res, 200, [{ name: MODEL, version: "1", state: "READY" }]);
      if (req.method === "GET" && url === `/v2/models/${MODEL}/config`) return send(res, 200, CONFIG);
      if (req.method === "GET" && url === "/v2") return send(res, 200, { name: "fixed-time", version: "0" });
      if (req.method === "POST" && url === `/v2/models/${MODEL}/infer`) {
        const rows = body?.inputs?.[0]?.shape?.[0] ?? 0;
        await serveOne();
        inferences += 1;
        const data = Array.from({ length: rows }, () => [1, 0, 0, 0]).flat();
        return send(res, 200, {
          model_name: MODEL,
          outputs: [{ name: "EMBEDDING", datatype: "FP32", shape: [rows, DIMENSIONS], data }],
        });
      }
      send(res, 404, { error: `unknown: ${req.method} ${url}` });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inferences: () => inferences,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const embedRequest = (i: number): LoadRequest => ({
  path: "/embed",
  body: { texts: [`text ${i}`], model: PUBLIC_NAME },
  checkAnswer: () => undefined,
});

async function measure(upstreams: FixedTimeUpstream[]): Promise<{ report: LoadReport; perUpstream: number[] }> {
  const proxy = await startProxyProcess({
    TRITON_URL: upstreams.map((u) => u.url).join(","),
    MODEL_EMBED: PUBLIC_NAME,
    UPSTREAM_BINARY: "false",
    LOG_REQUESTS: "false",
    // every client's request is admitted: the upstreams, not the proxy's queue, are what is measured
    GPU_QUEUE_TIMEOUT_MS: "60000",
  });
  try {
    const options = { baseUrl: proxy.url, concurrency: CONCURRENCY, hangAfterMs: 60_000, pick: embedRequest, checkShape: checkDocumentedShape };
    await runLoad({ ...options, total: CONCURRENCY * 4 });
    const before = upstreams.map((u) => u.inferences());
    const report = await runLoad({ ...options, total: REQUESTS });
    const failed = report.total - (report.byStatus[200] ?? 0);
    if (failed > 0) throw new Error(`${failed} of ${report.total} requests failed: ${JSON.stringify(report.problems)}`);
    return { report, perUpstream: upstreams.map((u, i) => u.inferences() - (before[i] ?? 0)) };
  } finally {
    await proxy.stop();
  }
}

const perSecond = (report: LoadReport) => report.total / (report.wallMs / 1000);

async function main() {
  console.error(
    `bench: /embed through the proxy to fixed-time upstreams (${SERVICE_MS} ms each, one at a time), ${REQUESTS} requests, ${CONCURRENCY} clients`,
  );
  const a = await startFixedTimeUpstream();
  const b = await startFixedTimeUpstream();
  try {
    const one = await measure([a]);
    const two = await measure([a, b]);
    const ratio = perSecond(two.report) / perSecond(one.report);
    const metrics: BenchMetric[] = [
      { key: "one_upstream_rps", label: "/embed req/s, one fixed-time upstream", value: perSecond(one.report), unit: "req/s" },
      { key: "two_upstreams_rps", label: "/embed req/s, two fixed-time upstreams", value: perSecond(two.report), unit: "req/s" },
      { key: "two_vs_one_upstream", label: "Throughput, two upstreams / one", value: ratio, unit: "x", target: ">= 1.8" },
    ];
    const file = await writeBenchResult("two-upstreams", metrics, {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      service_ms: SERVICE_MS,
      inferences_per_upstream_with_two: two.perUpstream,
    });
    for (const m of metrics) console.error(`bench: ${m.label}: ${m.value.toFixed(2)} ${m.unit}`);
    console.error(`bench: inferences per upstream with two: ${two.perUpstream.join(" / ")}`);
    console.error(`bench: written ${file}`);
  } finally {
    await a.close();
    await b.close();
  }
}

await main();
