/**
 * The plugin's tools against the real proxy on the embedded runtime (ONNX Runtime, the tiny test models), over
 * loopback with an API key. Expected values come from the proxy's own answers and from the reference goldens.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../../proxy/src/node/server.js";
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

  it("gpu_health reports the proxy's own health", async () => {
    const result = await tool(tools(), "gpu_health").execute("1", {});
    expect((result.details as { health: unknown }).health).toEqual(await direct("/health"));
    expect(result.content[0]?.text).toMatch(new RegExp(`^GPU Bridge proxy at ${proxy.url} is ready \\(device cpu, answered in \\d+ ms\\)$`));
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

  it("gpu_embed uses models.embed and matches sentence-transformers' vectors", async () => {
    const golden = JSON.parse(readFileSync(new URL("embed.json", goldens), "utf8")) as {
      model_name: string;
      cases: { text: string; embedding: number[] }[];
    };
    expect(golden.model_name).toBe(EMBED_MODEL);
    const cases = golden.cases.slice(0, 4);
    const texts = cases.map((c) => c.text);
    const result = await tool(tools(), "gpu_embed").execute("1", { texts });
    const details = result.details as { embeddings: number[][]; model: string; dimensions: number };
    expect(details).toEqual(await direct("/embed", { texts, model: EMBED_MODEL }));
    expect(details.model).toBe(EMBED_MODEL);
    cases.forEach((c, i) => {
      const got = details.embeddings[i] ?? [];
      expect(got).toHaveLength(c.embedding.length);
      got.forEach((value, j) => expect(Math.abs(value - (c.embedding[j] ?? NaN))).toBeLessThan(1e-4));
    });
    expect(result.content[0]?.text).toBe(`${texts.length} embeddings × ${details.dimensions} dims (${EMBED_MODEL}); vectors in details.embeddings`);
    expectNoReservedKeys(result);
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

  it("explains a wrong API key", async () => {
    const wrong = loadTools({ serviceUrl: proxy.url, apiKey: "wrong" });
    const error = await tool(wrong, "gpu_info").execute("1", {}).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(`The GPU Bridge proxy at ${proxy.url} refused the request \\(401 unauthorized\\).*apiKey.*not accepted`),
    );
  });
});
