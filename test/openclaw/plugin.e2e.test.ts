/**
 * The plugin inside real OpenClaw: `openclaw plugins install -l`, config, enable, `plugins inspect --runtime`,
 * `openclaw gateway run`, every tool through POST /tools/invoke checked against the proxy's own answers, bad
 * arguments, a wrong key, a serviceUrl with a path, real agent turns (mock model on loopback) that show what reaches
 * the model's context, failures (wrong key, no key, the proxy down) reaching the HTTP caller and the model as the
 * plugin's message; the original plugin's config moved by `openclaw doctor --fix`; and the `npm pack` tarball
 * installed with `npm-pack:`. Run via run.sh.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentTurn, mockModelConfig } from "./agent-turn.js";
import { OpenClawHome, repoRoot, run, startProxy, stop, waitFor } from "./harness.js";
import { startMockModel, type MockModel } from "./mock-model.js";

const PLUGIN_ID = "gpu-bridge";
const TOOLS = ["gpu_health", "gpu_info", "gpu_status", "gpu_bertscore", "gpu_embed"];
const EMBED_MODEL = "tiny-bert";
const BERTSCORE_MODEL = "tiny-roberta";
const RESERVED_DETAIL_KEYS = ["status", "ok", "success", "error", "timedOut", "exitCode"];

interface InspectReport {
  plugin: { id: string; status: string; toolNames: string[]; source: string; enabled: boolean };
  diagnostics: unknown[];
}

const pluginConfig = (proxyUrl: string, apiKey: string) => ({
  serviceUrl: proxyUrl,
  apiKey,
  timeout: 30,
  models: { embed: EMBED_MODEL, bertscore: BERTSCORE_MODEL },
});

async function configure(home: OpenClawHome, proxyUrl: string, apiKey: string): Promise<void> {
  await home.cli(["config", "set", `plugins.entries.${PLUGIN_ID}.config`, JSON.stringify(pluginConfig(proxyUrl, apiKey)), "--strict-json"]);
  await home.cli(["plugins", "enable", PLUGIN_ID]);
}

const setConfig = (home: OpenClawHome, path: string, value: unknown) =>
  home.cli(["config", "set", path, JSON.stringify(value), "--strict-json"]);

function cosine(a: number[], b: number[]): number {
  const dot = (x: number[], y: number[]) => x.reduce((sum, v, k) => sum + v * (y[k] ?? NaN), 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

async function inspect(home: OpenClawHome): Promise<InspectReport> {
  const { stdout } = await home.cli(["plugins", "inspect", PLUGIN_ID, "--runtime", "--json"], 90_000);
  return JSON.parse(stdout.slice(stdout.indexOf("{"))) as InspectReport;
}

function assertLoaded(report: InspectReport): void {
  assert.equal(report.plugin.id, PLUGIN_ID);
  assert.equal(report.plugin.enabled, true);
  assert.equal(report.plugin.status, "loaded", JSON.stringify(report.diagnostics));
  assert.deepEqual([...report.plugin.toolNames].sort(), [...TOOLS].sort());
  assert.deepEqual(report.diagnostics, []);
}

describe("GPU Bridge plugin in real OpenClaw", () => {
  const apiKey = randomUUID();
  const token = randomUUID();
  const home = new OpenClawHome();
  let proxy: { url: string; child: ChildProcess; log: () => string } | undefined;
  let gateway: { url: string; child: ChildProcess; log: () => string } | undefined;
  let mock: MockModel | undefined;

  async function invoke(tool: string, args?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    assert.ok(gateway);
    const response = await fetch(`${gateway.url}/tools/invoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ tool, ...(args === undefined ? {} : { args }) }),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function fromProxy(path: string, body?: unknown): Promise<unknown> {
    assert.ok(proxy);
    const response = await fetch(`${proxy.url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(response.status, 200);
    return response.json();
  }

  function result(body: Record<string, unknown>): { content: { type: string; text: string }[]; details: Record<string, unknown> } {
    assert.equal(body.ok, true, JSON.stringify(body));
    const value = body.result as { content: { type: string; text: string }[]; details: Record<string, unknown> };
    assert.deepEqual(Object.keys(value.details).filter((key) => RESERVED_DETAIL_KEYS.includes(key)), []);
    return value;
  }

  /** A failed call as OpenClaw's convention has it: 200, the plugin's message in content and details.error. */
  function failure(response: { status: number; body: Record<string, unknown> }): string {
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.ok, true, JSON.stringify(response.body));
    const value = response.body.result as { content: { type: string; text: string }[]; details: { status: string; error: string } };
    assert.equal(value.details.status, "error", JSON.stringify(value));
    assert.deepEqual(value.content, [{ type: "text", text: value.details.error }]);
    return value.details.error;
  }

  /** The vectors of gpu_embed's include_vectors: the JSON line that ends its content. */
  const printedVectors = (text: string) => JSON.parse(text.split("\n").at(-1) ?? "") as number[][];
  const float32 = (vectors: number[][]) => vectors.map((row) => row.map((value) => Math.fround(value)));

  before(async () => {
    proxy = await startProxy(apiKey);
    mock = await startMockModel();
    // OpenClaw's memory search embeds through the proxy's OpenAI-compatible /v1/embeddings (README setup).
    home.writeSeedConfig({
      ...mockModelConfig(mock),
      memory: {
        search: { provider: "openai-compatible", model: EMBED_MODEL, remote: { baseUrl: `${proxy.url}/v1/`, apiKey } },
      },
    });
    const install = await home.cli(["plugins", "install", "-l", join(repoRoot, "plugin"), "--force", "--accept-capabilities"]);
    assert.match(install.stdout, /Installed plugin "gpu-bridge"/);
    await configure(home, proxy.url, apiKey);
  });

  after(async () => {
    await stop(gateway?.child);
    await stop(proxy?.child);
    await mock?.close();
    home.remove();
  });

  /** Retries `invoke` until `check` holds: the Gateway picks up config changes a moment after they are written. */
  async function invokeUntil(tool: string, args: unknown, check: (r: { status: number; body: Record<string, unknown> }) => boolean) {
    let last: { status: number; body: Record<string, unknown> } | undefined;
    await waitFor(
      async () => {
        last = await invoke(tool, args);
        return check(last);
      },
      30_000,
      () => `${tool} to answer as expected after a config change; last: ${JSON.stringify(last)}`,
    );
    return last as { status: number; body: Record<string, unknown> };
  }

  it("loads with its five tools (plugins inspect --runtime)", async () => {
    const config = home.readConfig() as { plugins: { entries: Record<string, { enabled: boolean; config: unknown }> } };
    assert.equal(config.plugins.entries[PLUGIN_ID]?.enabled, true);
    const report = await inspect(home);
    assertLoaded(report);
    assert.equal(report.plugin.source, join(repoRoot, "plugin/dist/index.js"));
  });

  it("lets OpenClaw's memory search embed through the proxy's /v1/embeddings", async () => {
    home.writeWorkspaceFile("MEMORY.md", "# Notes\n\nThe GPU box in the basement runs Triton.\n\nMy favourite fruit is a mango.\n");
    home.writeWorkspaceFile("memory/2026-11-20.md", "Deployment happens every Friday afternoon.\n");
    const index = await home.cli(["memory", "index", "--force"], 120_000);
    assert.match(index.stdout, /2 files indexed/);
    const search = await home.cli(["memory", "search", "which fruit do I like", "--json"], 90_000);
    const { results } = JSON.parse(search.stdout.slice(search.stdout.indexOf("{"))) as {
      results: { path: string; vectorScore: number }[];
    };
    assert.deepEqual(results.map((r) => r.path).sort(), ["MEMORY.md", "memory/2026-11-20.md"]);
    for (const r of results) assert.ok(r.vectorScore > 0, `no vector score for ${r.path}`);
    const embeddingCalls = (proxy?.log() ?? "")
      .split("\n")
      .filter((line) => line.includes('"path":"/v1/embeddings"'))
      .map((line) => JSON.parse(line) as { status: number });
    assert.ok(embeddingCalls.length >= 2, `expected indexing and query embeddings, saw ${embeddingCalls.length}`);
    assert.deepEqual(embeddingCalls.filter((c) => c.status !== 200), []);
  });

  it("serves the tools through the Gateway's POST /tools/invoke", async (t) => {
    gateway = await home.startGateway(token);

    await t.test("gpu_health", async () => {
      const { status, body } = await invoke("gpu_health", {});
      assert.equal(status, 200);
      const value = result(body);
      assert.deepEqual(value.details.health, await fromProxy("/health"));
      assert.match(value.content[0]?.text ?? "", new RegExp(`^GPU Bridge proxy at ${proxy?.url} is ready \\(device cpu`));
    });

    await t.test("gpu_info", async () => {
      const { status, body } = await invoke("gpu_info", {});
      assert.equal(status, 200);
      const value = result(body);
      const info = (await fromProxy("/info")) as { device_name: string; loaded_models: string[] };
      assert.deepEqual(value.details.info, info);
      assert.ok(value.content[0]?.text.startsWith(`${info.device_name} (cpu)`), value.content[0]?.text);
    });

    await t.test("gpu_status", async () => {
      const { status, body } = await invoke("gpu_status", {});
      assert.equal(status, 200);
      const value = result(body);
      const proxyStatus = (await fromProxy("/status")) as { queue: { max_concurrent: number } };
      assert.deepEqual(value.details, proxyStatus);
      const slots = proxyStatus.queue.max_concurrent;
      assert.ok(slots > 0);
      assert.equal(value.content[0]?.text, `Queue: 0 of ${slots} slots in use, ${slots} free, 0 waiting\nNo jobs running`);
    });

    const texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];

    await t.test("gpu_embed: norms and cosine similarities of the proxy's vectors, no vectors", async () => {
      const { status, body } = await invoke("gpu_embed", { texts });
      assert.equal(status, 200);
      const value = result(body);
      const proxied = (await fromProxy("/embed", { texts, model: EMBED_MODEL })) as { embeddings: number[][]; dimensions: number };
      const details = value.details as { model: string; dimensions: number; count: number; norms: number[]; similarity: number[][] };
      assert.equal(details.model, EMBED_MODEL);
      assert.equal(details.dimensions, proxied.dimensions);
      assert.equal(details.count, 3);
      assert.equal("embeddings" in details, false);
      proxied.embeddings.forEach((a, i) => {
        assert.ok(Math.abs((details.norms[i] ?? NaN) - Math.hypot(...a)) < 1e-4);
        proxied.embeddings.forEach((b, j) => assert.ok(Math.abs((details.similarity[i]?.[j] ?? NaN) - cosine(a, b)) < 1e-4, `${i},${j}`));
      });
      assert.match(value.content[0]?.text ?? "", new RegExp(`^3 embeddings × ${proxied.dimensions} dims \\(${EMBED_MODEL}\\); L2 norm 1\\.0000\nCosine similarity`));
    });

    await t.test("gpu_embed with include_vectors: the proxy's vectors, once, in content", async () => {
      const { status, body } = await invoke("gpu_embed", { texts, include_vectors: true });
      assert.equal(status, 200);
      const proxied = (await fromProxy("/embed", { texts, model: EMBED_MODEL })) as { embeddings: number[][] };
      const value = result(body);
      assert.equal("embeddings" in value.details, false);
      assert.equal(value.details.vectors_included, texts.length);
      assert.deepEqual(float32(printedVectors(value.content[0]?.text ?? "")), float32(proxied.embeddings));
    });

    await t.test("gpu_bertscore", async () => {
      const args = { candidates: ["the cat sat on the mat", "hello world"], references: [["a cat was sitting on the mat", "a cat"], "hello world"] };
      const { status, body } = await invoke("gpu_bertscore", args);
      assert.equal(status, 200);
      const value = result(body);
      const expected = (await fromProxy("/bertscore", { ...args, model_type: BERTSCORE_MODEL })) as { f1: number[] };
      assert.deepEqual(value.details, expected);
      assert.match(value.content[0]?.text ?? "", new RegExp(`\\| 2 \\| [0-9.]+ \\| [0-9.]+ \\| ${expected.f1[1]?.toFixed(4)} \\|`));
    });

    await t.test("edge inputs as the original: no texts, an empty lang", async () => {
      const empty = await invoke("gpu_embed", { texts: [] });
      assert.equal(empty.status, 200);
      assert.equal(result(empty.body).content[0]?.text, `No texts, no embeddings (${EMBED_MODEL})`);
      const lang = await invoke("gpu_bertscore", { candidates: ["a"], references: ["b"], lang: "" });
      assert.equal(lang.status, 200);
    });

    await t.test("bad arguments answer 400 with the ToolInputError message, the proxy's counts and the export command", async () => {
      const wrongType = await invoke("gpu_embed", { texts: [1] });
      assert.equal(wrongType.status, 400);
      assert.match(String((wrongType.body.error as { message: string }).message), /^Invalid arguments for gpu_embed: texts\.0: /);

      const mismatch = await invoke("gpu_bertscore", { candidates: ["a", "b"], references: ["a"] });
      assert.equal(mismatch.status, 400);
      assert.match(String((mismatch.body.error as { message: string }).message), /candidates and references must have equal length \(2 vs 1\)/);

      const tooMany = await invoke("gpu_embed", { texts: Array.from({ length: 101 }, () => "a") });
      assert.equal(tooMany.status, 400);
      assert.match(String((tooMany.body.error as { message: string }).message), /\(413 too_many_items\): texts: more than 100 items; at most 100 per request/);

      const unknownModel = await invoke("gpu_embed", { texts: ["a"], model: "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2" });
      assert.equal(unknownModel.status, 400);
      const message = String((unknownModel.body.error as { message: string }).message);
      assert.match(message, /422 unknown_model\): model 'sentence-transformers\/paraphrase-multilingual-MiniLM-L12-v2' is not served/);
      assert.match(message, /gpu-bridge-export export sentence-transformers\/paraphrase-multilingual-MiniLM-L12-v2/);
    });

    await t.test("the model's context gets small results by default (real agent turns, Tool Search)", async () => {
      assert.ok(mock);
      const few = await agentTurn(home, { url: gateway?.url ?? "", token }, mock, { tool: "gpu_embed", args: { texts } });
      assert.equal(few.via, "tool_call");
      assert.ok(few.toolMessage.length < 1500, `${few.toolMessage.length} characters: ${few.toolMessage}`);
      const { result: seen } = JSON.parse(few.toolMessage) as { result: { details: Record<string, unknown> } };
      assert.equal(seen.details.count, 3);
      assert.equal("embeddings" in seen.details, false);

      const many = Array.from({ length: 64 }, (_, i) => `Sentence ${i} about ${["cats", "rain", "GPUs", "mangoes"][i % 4]}.`);
      const large = await agentTurn(home, { url: gateway?.url ?? "", token }, mock, { tool: "gpu_embed", args: { texts: many } });
      assert.ok(large.toolMessage.length < 6000, `${large.toolMessage.length} characters for 64 texts`);

      const vectors = await agentTurn(home, { url: gateway?.url ?? "", token }, mock, {
        tool: "gpu_embed",
        args: { texts: texts.slice(0, 1), include_vectors: true },
      });
      const proxied = (await fromProxy("/embed", { texts: texts.slice(0, 1), model: EMBED_MODEL })) as { embeddings: number[][] };
      const { result: withVectors } = JSON.parse(vectors.toolMessage) as { result: { content: { text: string }[]; details: Record<string, unknown> } };
      assert.equal("embeddings" in withVectors.details, false);
      assert.deepEqual(float32(printedVectors(withVectors.content[0]?.text ?? "")), float32(proxied.embeddings));
    });

    await t.test("the model reads the content text in direct tool mode (tools.toolSearch false)", async () => {
      assert.ok(mock);
      await setConfig(home, "tools.toolSearch", false);
      const { body } = await invoke("gpu_embed", { texts });
      const turn = await agentTurn(home, { url: gateway?.url ?? "", token }, mock, { tool: "gpu_embed", args: { texts } });
      assert.equal(turn.via, "direct");
      assert.equal(turn.toolMessage, result(body).content[0]?.text);
      await home.cli(["config", "unset", "tools.toolSearch"]);
    });

    await t.test("gpu_health reports a wrong API key as an auth problem", async () => {
      await setConfig(home, `plugins.entries.${PLUGIN_ID}.config.apiKey`, "not-the-key");
      const wrong = await invokeUntil("gpu_health", {}, (r) => r.status === 200 && JSON.stringify(r.body).includes("refuses"));
      const value = result(wrong.body);
      assert.equal(value.details.apiKey, "rejected");
      assert.match(
        value.content[0]?.text ?? "",
        new RegExp(`is ready \\(device cpu, answered in \\d+ ms\\), but it refuses the configured API key \\(401: unauthorized\\): set plugins\\.entries\\.gpu-bridge\\.config\\.apiKey`),
      );
      await setConfig(home, `plugins.entries.${PLUGIN_ID}.config.apiKey`, apiKey);
      await invokeUntil("gpu_health", {}, (r) => r.status === 200 && (r.body.result as { details: { apiKey: string } }).details.apiKey === "ok");
    });

    await t.test("a wrong key and a missing key reach the /tools/invoke caller as the plugin's message", async () => {
      const refused = (r: { body: Record<string, unknown> }) => JSON.stringify(r.body).includes("refused the request");
      await setConfig(home, `plugins.entries.${PLUGIN_ID}.config.apiKey`, "not-the-key");
      const wrong = failure(await invokeUntil("gpu_info", {}, refused));
      assert.match(wrong, new RegExp(`^The GPU Bridge proxy at ${proxy?.url} refused the request \\(401 unauthorized\\).*Set plugins\\.entries\\.gpu-bridge\\.config\\.apiKey to the proxy's API_KEY \\(the configured key was not accepted\\)`));
      await home.cli(["config", "unset", `plugins.entries.${PLUGIN_ID}.config.apiKey`]);
      const missing = failure(await invokeUntil("gpu_embed", { texts: ["a"] }, (r) => refused(r) && JSON.stringify(r.body).includes("none is configured")));
      assert.match(missing, /refused the request \(401 unauthorized\).*apiKey to the proxy's API_KEY \(none is configured\)/);
      await setConfig(home, `plugins.entries.${PLUGIN_ID}.config.apiKey`, apiKey);
      await invokeUntil("gpu_info", {}, (r) => r.status === 200 && (r.body.result as { details: Record<string, unknown> }).details.status === undefined);
    });

    await t.test("messages keep the path of serviceUrl", async () => {
      const prefixed = `${proxy?.url}/gpu`;
      await setConfig(home, `plugins.entries.${PLUGIN_ID}.config.serviceUrl`, prefixed);
      const expected = `GET /info on ${prefixed} answered 404: no route GET /gpu/info; check that plugins.entries.gpu-bridge.config.serviceUrl`;
      const answered = await invokeUntil("gpu_info", {}, (r) => JSON.stringify(r.body).includes("no route GET /gpu/info"));
      assert.ok(failure(answered).startsWith(expected), JSON.stringify(answered.body));
      await setConfig(home, `plugins.entries.${PLUGIN_ID}.config.serviceUrl`, proxy?.url);
      await invokeUntil("gpu_info", {}, (r) => r.status === 200 && (r.body.result as { details: Record<string, unknown> }).details.status === undefined);
    });

    await t.test("with the proxy down, the caller and the model get which host and what to check", async () => {
      assert.ok(mock);
      await stop(proxy?.child);
      const port = new URL(proxy?.url ?? "").port;
      const expected = new RegExp(`^Cannot reach the GPU Bridge proxy at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED.*serviceUrl is right`);
      assert.match(failure(await invoke("gpu_health", {})), expected);
      assert.match(failure(await invoke("gpu_embed", { texts })), expected);
      const turn = await agentTurn(home, { url: gateway?.url ?? "", token }, mock, { tool: "gpu_status", args: {} });
      assert.match(turn.toolMessage, /Cannot reach the GPU Bridge proxy at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED/);
    });
  });

  it("moves the original plugin's config (openclaw-gpu-bridge, v0.2.1 shape) on openclaw doctor --fix", async () => {
    const legacy = new OpenClawHome();
    try {
      const v021 = {
        hosts: [{ name: "box-1", url: proxy?.url, apiKey }, { name: "box-2", url: "http://127.0.0.1:9" }],
        loadBalancing: "least-busy",
        healthCheckIntervalSeconds: 30,
        timeout: 30,
        models: { embed: EMBED_MODEL, bertscore: BERTSCORE_MODEL },
      };
      legacy.writeSeedConfig({ plugins: { entries: { "openclaw-gpu-bridge": { enabled: true, config: v021 } } } });
      await legacy.cli(["plugins", "install", "-l", join(repoRoot, "plugin"), "--force", "--accept-capabilities"]);
      const entries = () => (legacy.readConfig() as { plugins: { entries: Record<string, { enabled?: boolean; config?: unknown }> } }).plugins.entries;
      // OpenClaw 2026.9 runs plugin config repairs on doctor, not on install: the new entry is still unconfigured here.
      assert.equal(entries()[PLUGIN_ID]?.config, undefined);

      const doctor = await legacy.cli(["doctor", "--fix", "--non-interactive"], 240_000);
      assert.match(doctor.stdout.replace(/[│\s]+/g, " "), /Moved plugins\.entries\.openclaw-gpu-bridge \(the original GPU Bridge plugin\) to plugins\.entries\.gpu-bridge; not carried over: hosts\[1\.\.1\]/);
      assert.deepEqual(entries()[PLUGIN_ID], {
        enabled: true,
        config: { serviceUrl: proxy?.url, apiKey, timeout: 30, models: { embed: EMBED_MODEL, bertscore: BERTSCORE_MODEL } },
      });
      assert.equal(entries()["openclaw-gpu-bridge"]?.enabled, false);
      assertLoaded(await inspect(legacy));
    } finally {
      legacy.remove();
    }
  });

  it("installs and loads from the npm pack tarball (npm-pack:)", async () => {
    const packed = new OpenClawHome();
    try {
      const pack = await run("npm", ["pack", "--pack-destination", packed.dir, "--loglevel=error"], {
        env: packed.env,
        cwd: join(repoRoot, "plugin"),
        timeoutMs: 60_000,
      });
      assert.equal(pack.code, 0, pack.stderr);
      const tarball = readdirSync(packed.dir).find((name) => name.endsWith(".tgz"));
      assert.ok(tarball, `npm pack wrote no tarball: ${pack.stdout}`);
      const listing = await run("tar", ["-tzf", join(packed.dir, tarball)], { env: packed.env, timeoutMs: 10_000 });
      assert.deepEqual(listing.stdout.trim().split("\n").sort(), [
        "package/README.md",
        "package/dist/doctor-contract-api.js",
        "package/dist/index.js",
        "package/openclaw.plugin.json",
        "package/package.json",
      ]);

      packed.writeSeedConfig();
      await packed.cli(["plugins", "install", `npm-pack:${join(packed.dir, tarball)}`, "--force", "--accept-capabilities"], 120_000);
      // One write for config + enabled (the -l install above goes through `plugins enable`).
      const entry = { enabled: true, config: { serviceUrl: "http://127.0.0.1:9" } };
      await packed.cli(["config", "set", `plugins.entries.${PLUGIN_ID}`, JSON.stringify(entry), "--strict-json"]);
      const report = await inspect(packed);
      assertLoaded(report);
      assert.ok(report.plugin.source.startsWith(packed.dir), `loaded from ${report.plugin.source}, not the managed install`);
    } finally {
      packed.remove();
    }
  });
});
