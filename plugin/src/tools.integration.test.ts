/**
 * The plugin's tools against the real proxy on the embedded runtime (ONNX Runtime, the tiny test models), over
 * loopback with an API key. Expected values come from the proxy's own answers and from the reference goldens.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "@gpu-bridge/proxy/server";
import type { StatusResponse } from "@gpu-bridge/contract/schemas";
import entry from "./index.js";
import type { AgentTool, ToolResult } from "./openclaw-api.js";

const repository = new URL("../../test/fixtures/model-repository", import.meta.url).pathname;
const goldens = new URL("../../test/fixtures/goldens/", import.meta.url);
const EMBED_MODEL = "tiny-bert";
const BERTSCORE_MODEL = "tiny-roberta";
const RESERVED_DETAIL_KEYS = ["status", "ok", "success", "error", "timedOut", "exitCode"];

const apiKey = randomUUID();
let proxy: RunningProxy;

function loadTools(config: Record<string, unknown>): Map<string, AgentTool> {
  const tools = new Map<string, AgentTool>();
  entry.register({
    id: "gpu-bridge",
    pluginConfig: config,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    registerTool: (tool) => tools.set(tool.name, tool),
  });
  return tools;
}

function tool(tools: Map<string, AgentTool>, name: string): AgentTool {
  const found = tools.get(name);
  if (!found) throw new Error(`tool ${name} not registered`);
  return found;
}

async function direct(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${proxy.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}

function expectNoReservedKeys(result: ToolResult<unknown>) {
  expect(Object.keys(result.details as object).filter((key) => RESERVED_DETAIL_KEYS.includes(key))).toEqual([]);
}

beforeAll(async () => {
  const env = { MODEL_REPOSITORY: repository, HOST: "127.0.0.1", PORT: "0", API_KEY: apiKey };
  proxy = await startProxy(env, { log: () => {} });
});

afterAll(async () => {
  await proxy?.close();
});

describe("tools against the real proxy", () => {
  const tools = () =>
    loadTools({ serviceUrl: proxy.url, apiKey, timeout: 30, models: { embed: EMBED_MODEL, bertscore: BERTSCORE_MODEL } });

  it("gpu_health reports the proxy's own health and that the key was accepted", async () => {
    const result = await tool(tools(), "gpu_health").execute("1", {});
    expect((result.details as { health: unknown }).health).toEqual(await direct("/health"));
    expect((result.details as { apiKey: string }).apiKey).toBe("ok");
    expect(result.content[0]?.text).toMatch(new RegExp(`^GPU Bridge proxy at ${proxy.url} is ready \\(device cpu, answered in \\d+ ms\\)$`));
    expectNoReservedKeys(result);
  });

  it("gpu_health reports a wrong or missing key as an auth problem (the proxy's /health needs none)", async () => {
    for (const [config, state, says] of [
      [{ serviceUrl: proxy.url, apiKey: "wrong" }, "rejected", "refuses the configured API key (401: unauthorized)"],
      [{ serviceUrl: proxy.url }, "missing", "needs an API key (401: unauthorized)"],
    ] as const) {
      const result = await tool(loadTools(config), "gpu_health").execute("1", {});
      expect((result.details as { apiKey: string; health: { status: string } }).apiKey).toBe(state);
      expect((result.details as { health: { status: string } }).health.status).toBe("ok");
      expect(result.content[0]?.text).toContain(`is ready (device cpu`);
      expect(result.content[0]?.text).toContain(`, but it ${says}: set plugins.entries.gpu-bridge.config.apiKey to the proxy's API_KEY`);
    }
  });

  it("gpu_status returns the proxy's /status", async () => {
    const result = await tool(tools(), "gpu_status").execute("1", {});
    const status = (await direct("/status")) as StatusResponse;
    expect(result.details).toEqual(status);
    const { max_concurrent: slots } = status.queue;
    expect(slots).toBeGreaterThan(0);
    expect(result.content[0]?.text).toBe(`Queue: 0 of ${slots} slots in use, ${slots} free, 0 waiting\nNo jobs running`);
    expectNoReservedKeys(result);
  });

  it("gpu_info returns the proxy's /info and names the device and models", async () => {
    const result = await tool(tools(), "gpu_info").execute("1", {});
    const info = (await direct("/info")) as { device_name: string; loaded_models: string[] };
    expect((result.details as { info: unknown }).info).toEqual(info);
    expect(result.content[0]?.text).toContain(`${info.device_name} (cpu), no GPU memory (CPU)`);
    expect(result.content[0]?.text).toContain(`Models: ${info.loaded_models.join(", ")}`);
    expectNoReservedKeys(result);
  });

  const embedGoldens = () => {
    const golden = JSON.parse(readFileSync(new URL("embed.json", goldens), "utf8")) as {
      model_name: string;
      cases: { text: string; embedding: number[] }[];
    };
    expect(golden.model_name).toBe(EMBED_MODEL);
    return golden.cases.slice(0, 4);
  };
  const cosine = (a: number[], b: number[]) => {
    const dot = (x: number[], y: number[]) => x.reduce((sum, v, k) => sum + v * (y[k] ?? NaN), 0);
    return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
  };

  it("gpu_embed uses models.embed and returns norms and the cosine similarities of sentence-transformers' vectors", async () => {
    const cases = embedGoldens();
    const texts = cases.map((c) => c.text);
    const result = await tool(tools(), "gpu_embed").execute("1", { texts });
    const details = result.details as { model: string; dimensions: number; count: number; norms: number[]; similarity: number[][]; embeddings?: unknown };
    const proxied = (await direct("/embed", { texts, model: EMBED_MODEL })) as { dimensions: number };
    expect(details.model).toBe(EMBED_MODEL);
    expect(details.dimensions).toBe(proxied.dimensions);
    expect(details.count).toBe(texts.length);
    expect(details.embeddings).toBeUndefined();
    details.norms.forEach((norm) => expect(Math.abs(norm - 1)).toBeLessThan(1e-4));
    cases.forEach((a, i) =>
      cases.forEach((b, j) => expect(Math.abs((details.similarity[i]?.[j] ?? NaN) - cosine(a.embedding, b.embedding))).toBeLessThan(2e-4)),
    );
    const text = result.content[0]?.text ?? "";
    expect(text.split("\n")[0]).toBe(`${texts.length} embeddings × ${details.dimensions} dims (${EMBED_MODEL}); L2 norm 1.0000`);
    expect(text).toContain(`| 0 | 1.0000 | ${details.similarity[0]?.[1]?.toFixed(4)} |`);
    expect(text).not.toMatch(/\d\.\d{6}/); // no vector components
    expectNoReservedKeys(result);
  });

  it("gpu_embed returns the vectors with include_vectors, as the proxy and sentence-transformers give them", async () => {
    const cases = embedGoldens();
    const texts = cases.map((c) => c.text);
    const result = await tool(tools(), "gpu_embed").execute("1", { texts, include_vectors: true });
    const details = result.details as { embeddings?: unknown; vectors_included: number };
    expect(details.embeddings).toBeUndefined();
    expect(details.vectors_included).toBe(texts.length);
    const proxied = ((await direct("/embed", { texts, model: EMBED_MODEL })) as { embeddings: number[][] }).embeddings;
    const printed = JSON.parse(result.content[0]?.text.split("\n").at(-1) ?? "") as number[][];
    expect(printed.map((row) => row.map((value) => Math.fround(value)))).toEqual(proxied.map((row) => row.map((value) => Math.fround(value))));
    cases.forEach((c, i) => c.embedding.forEach((value, j) => expect(Math.abs((printed[i]?.[j] ?? NaN) - value)).toBeLessThan(1e-4)));
  });

  it("gpu_embed of no texts answers no embeddings, as the original", async () => {
    const result = await tool(tools(), "gpu_embed").execute("1", { texts: [] });
    expect(result.details).toMatchObject({ model: EMBED_MODEL, count: 0, dimensions: 0, norms: [] });
    expect(result.content[0]?.text).toBe(`No texts, no embeddings (${EMBED_MODEL})`);
  });

  it("asks the proxy for its default model when models are not configured", async () => {
    const defaults = loadTools({ serviceUrl: proxy.url, apiKey });
    const info = (await direct("/info")) as { embed_model: string };
    const result = await tool(defaults, "gpu_embed").execute("1", { texts: ["a"] });
    expect((result.details as { model: string }).model).toBe(info.embed_model);
  });

  it("gpu_bertscore uses models.bertscore and matches bert_score's scores", async () => {
    const golden = JSON.parse(readFileSync(new URL("bertscore.json", goldens), "utf8")) as {
      model_name: string;
      cases: { name: string; cands: string[]; refs: string[][]; idf: boolean; rescale_with_baseline: boolean; P: number[]; R: number[]; F: number[]; hash: string }[];
    };
    expect(golden.model_name).toBe(BERTSCORE_MODEL);
    const pairs = golden.cases.find((c) => !c.idf && !c.rescale_with_baseline && c.cands.length > 1);
    if (!pairs) return expect.fail("no plain multi-pair case in goldens/bertscore.json");
    const args = { candidates: pairs.cands, references: pairs.refs };
    const result = await tool(tools(), "gpu_bertscore").execute("1", args);
    const details = result.details as { precision: number[]; recall: number[]; f1: number[]; model: string; hash: string };
    expect(details).toEqual(await direct("/bertscore", { ...args, model_type: BERTSCORE_MODEL }));
    pairs.F.forEach((f, i) => expect(Math.abs((details.f1[i] ?? NaN) - f)).toBeLessThan(1e-4));
    pairs.P.forEach((p, i) => expect(Math.abs((details.precision[i] ?? NaN) - p)).toBeLessThan(1e-4));
    const text = result.content[0]?.text ?? "";
    expect(text.split("\n")[0]).toBe(`BERTScore (${BERTSCORE_MODEL}) for ${pairs.cands.length} pairs:`);
    expect(text).toContain(`| 1 | ${details.precision[0]?.toFixed(4)} | ${details.recall[0]?.toFixed(4)} | ${details.f1[0]?.toFixed(4)} |`);
    expectNoReservedKeys(result);
  });

  it("passes the proxy's refusal of an unknown model back as a ToolInputError", async () => {
    const error = await tool(tools(), "gpu_embed")
      .execute("1", { texts: ["a"], model: "no-such-model" })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("ToolInputError");
    expect((error as Error).message).toMatch(/\(422 unknown_model\): model 'no-such-model' is not served/);
  });

  it("keeps the proxy's counts in its refusals", async () => {
    const error = await tool(tools(), "gpu_embed")
      .execute("1", { texts: Array.from({ length: 101 }, () => "a") })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe("ToolInputError");
    expect((error as Error).message).toBe(
      "The GPU Bridge proxy rejected the arguments (413 too_many_items): texts: more than 100 items; at most 100 per request",
    );
  });

  it("explains a wrong API key in a failed-tool result", async () => {
    const wrong = loadTools({ serviceUrl: proxy.url, apiKey: "wrong" });
    const result = (await tool(wrong, "gpu_info").execute("1", {})) as ToolResult<{ status: string; error: string }>;
    expect(result.details.status).toBe("error");
    expect(result.details.error).toMatch(
      new RegExp(`The GPU Bridge proxy at ${proxy.url} refused the request \\(401 unauthorized\\).*apiKey.*not accepted`),
    );
  });
});
