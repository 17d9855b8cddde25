/**
 * The tools against a proxy that lies: a loopback HTTP server whose answers each test scripts (a real proxy cannot
 * answer this way). Each answer is one the plugin must refuse or clip, and every failure comes back as OpenClaw's
 * failed-tool result with the plugin's message.
 */
import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_DIMENSIONS } from "./answer-limits.js";
import { MAX_JOBS_SHOWN, MAX_NAME_CHARS, MAX_VECTOR_CHARS } from "./format.js";
import entry from "./index.js";
import type { AgentTool, ToolResult } from "./openclaw-api.js";


const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A proxy on loopback that answers every request with `answer(path, body)`. */
async function lyingProxy(answer: (path: string, body: Record<string, unknown>, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => answer(req.url ?? "", text ? (JSON.parse(text) as Record<string, unknown>) : {}, res));
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

function tools(serviceUrl: string): Map<string, AgentTool> {
  const found = new Map<string, AgentTool>();
  entry.register({
    id: "gpu-bridge",
    pluginConfig: { serviceUrl, timeout: 10 },
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    registerTool: (tool) => found.set(tool.name, tool),
  });
  return found;
}

async function call(serviceUrl: string, name: string, args: unknown): Promise<ToolResult<Record<string, unknown>>> {
  const tool = tools(serviceUrl).get(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return (await tool.execute("call-1", args)) as ToolResult<Record<string, unknown>>;
}

/** OpenClaw's failed-tool result: the message as content and as details.error, with details.status "error". */
function expectFailure(result: ToolResult<Record<string, unknown>>, message: RegExp): void {
  expect(result.details.status).toBe("error");
  expect(String(result.details.error)).toMatch(message);
  expect(result.content).toEqual([{ type: "text", text: result.details.error }]);
}

describe("gpu_embed refuses answers that do not fit what was sent", () => {
  it("6,000 one-dimension vectors for 2 texts", async () => {
    const url = await lyingProxy((_path, _body, res) =>
      json(res, 200, { embeddings: Array.from({ length: 6000 }, () => [1]), model: "m", dimensions: 1 }),
    );
    expectFailure(
      await call(url, "gpu_embed", { texts: ["a", "b"] }),
      /^POST \/embed on http:\/\/127\.0\.0\.1:\d+ answered an unexpected body \(6000 vectors for the 2 texts sent at embeddings\); check that/,
    );
  });

  it("vectors narrower or wider than the dimensions the answer declares", async () => {
    const url = await lyingProxy((_path, _body, res) => json(res, 200, { embeddings: [[1, 0, 0], [1, 0]], model: "m", dimensions: 3 }));
    expectFailure(await call(url, "gpu_embed", { texts: ["a", "b"] }), /vector 1 has 2 numbers, not the 3 dimensions declared at embeddings\.1/);
  });

  it("more dimensions than any model has", async () => {
    const width = MAX_DIMENSIONS + 1;
    const url = await lyingProxy((_path, _body, res) => json(res, 200, { embeddings: [new Array<number>(width).fill(0)], model: "m", dimensions: width }));
    expectFailure(await call(url, "gpu_embed", { texts: ["a"] }), new RegExp(`dimensions ${width}, more than the ${MAX_DIMENSIONS} the plugin accepts`));
  });

  it("an answer larger than the texts sent can need, whatever its shape", async () => {
    const url = await lyingProxy((_path, _body, res) => json(res, 200, { embeddings: [[1]], model: "x".repeat(2_000_000), dimensions: 1 }));
    expectFailure(await call(url, "gpu_embed", { texts: ["a"] }), /answered more than \d+ bytes, more than this call can need/);
  });
});

describe("gpu_bertscore refuses answers that do not fit what was sent", () => {
  it("scores for more pairs than the candidates sent", async () => {
    const url = await lyingProxy((_path, _body, res) =>
      json(res, 200, { precision: [1, 1, 1], recall: [1, 1, 1], f1: [1, 1, 1], model: "m", hash: "h" }),
    );
    expectFailure(
      await call(url, "gpu_bertscore", { candidates: ["a"], references: ["b"] }),
      /answered an unexpected body \(3 scores for the 1 candidates sent at precision\)/,
    );
  });
});

describe("gpu_status shows other clients' jobs clipped", () => {
  it("long model names and ids cut, only the first jobs listed, in content and details", async () => {
    const job = (i: number) => ({
      id: `id-${i}-${"i".repeat(5000)}`,
      type: "embed",
      started_at: "2026-11-20T09:14:03.512Z",
      items: 1,
      model: `model-${"m".repeat(20_000)}`,
      progress: 0,
    });
    const jobs = Array.from({ length: MAX_JOBS_SHOWN + 5 }, (_, i) => job(i));
    const url = await lyingProxy((_path, _body, res) =>
      json(res, 200, { queue: { max_concurrent: 64, in_flight: jobs.length, available_slots: 0, waiting_estimate: 0 }, active_jobs: jobs }),
    );
    const result = await call(url, "gpu_status", {});
    const text = result.content[0]?.text ?? "";
    expect(text.split("\n")).toHaveLength(1 + MAX_JOBS_SHOWN + 1);
    expect(text).toContain(`… 5 more jobs`);
    expect(text.length).toBeLessThan(1000 + MAX_JOBS_SHOWN * 3 * MAX_NAME_CHARS);
    const details = result.details as { active_jobs: { id: string; model: string }[]; more_jobs: number };
    expect(details.active_jobs).toHaveLength(MAX_JOBS_SHOWN);
    expect(details.more_jobs).toBe(5);
    for (const shown of details.active_jobs) {
      expect(shown.model.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
      expect(shown.id.length).toBeLessThanOrEqual(MAX_NAME_CHARS);
      expect(shown.model.endsWith("…")).toBe(true);
    }
  });
});

describe("gpu_embed with include_vectors", () => {
  const vectors = (n: number, width: number) => Array.from({ length: n }, (_, i) => Array.from({ length: width }, (_, k) => Math.fround(Math.sin(i + k * 0.37))));

  it("returns the vectors once, in content, up to MAX_VECTOR_CHARS, and says which were left out", async () => {
    const sent = vectors(40, 384);
    const url = await lyingProxy((_path, _body, res) => json(res, 200, { embeddings: sent, model: "m", dimensions: 384 }));
    const result = await call(url, "gpu_embed", { texts: sent.map((_, i) => `t${i}`), include_vectors: true });
    const details = result.details as { embeddings?: unknown; vectors_included: number };
    expect(details.embeddings).toBeUndefined();
    const lines = (result.content[0]?.text ?? "").split("\n");
    const header = lines.findIndex((line) => line.startsWith("Vectors (float32)"));
    const included = JSON.parse(lines[header + 1] ?? "") as number[][];
    expect(lines[header + 1]?.length).toBeLessThanOrEqual(MAX_VECTOR_CHARS);
    expect(included.length).toBeGreaterThan(0);
    expect(included.length).toBeLessThan(sent.length);
    expect(details.vectors_included).toBe(included.length);
    included.forEach((vector, i) => expect(vector.map((v) => Math.fround(v))).toEqual(sent[i]));
    expect(lines[header]).toBe(
      `Vectors (float32) of texts 0–${included.length - 1} of ${sent.length} (the rest would pass ${MAX_VECTOR_CHARS} characters: ask for them in smaller calls):`,
    );
  });
});

describe("failures are OpenClaw failed-tool results with the plugin's message", () => {
  it("a refused key, an unreachable proxy and a missing config", async () => {
    const refusing = await lyingProxy((_path, _body, res) => json(res, 401, { detail: "missing or invalid API key", code: "unauthorized" }));
    expectFailure(await call(refusing, "gpu_info", {}), /refused the request \(401 unauthorized\).*apiKey.*none is configured/);
    expectFailure(await call("http://127.0.0.1:9", "gpu_health", {}), /^Cannot reach the GPU Bridge proxy at http:\/\/127\.0\.0\.1:9 /);
    const unconfigured = new Map<string, AgentTool>();
    entry.register({ id: "gpu-bridge", pluginConfig: {}, logger: { info: () => {}, warn: () => {}, error: () => {} }, registerTool: (t) => unconfigured.set(t.name, t) });
    expectFailure((await unconfigured.get("gpu_status")?.execute("call-1", {})) as ToolResult<Record<string, unknown>>, /serviceUrl is required/);
  });
});
