/**
 * The plugin inside real OpenClaw: `openclaw plugins install -l`, config, enable, `plugins inspect --runtime`,
 * `openclaw gateway run`, every tool through POST /tools/invoke checked against the proxy's own answers, bad
 * arguments, the proxy going down; and the `npm pack` tarball installed with `npm-pack:`. Run via run.sh.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OpenClawHome, repoRoot, run, startProxy, stop, waitFor } from "./harness.js";

const PLUGIN_ID = "gpu-bridge";
const TOOLS = ["gpu_health", "gpu_info", "gpu_bertscore", "gpu_embed"];
const EMBED_MODEL = "tiny-bert";
const BERTSCORE_MODEL = "tiny-roberta";
const RESERVED_DETAIL_KEYS = ["status", "ok", "success", "error", "timedOut", "exitCode"];

interface InspectReport {
  plugin: { id: string; status: string; toolNames: string[]; source: string; enabled: boolean };
  diagnostics: unknown[];
}

async function configure(home: OpenClawHome, proxyUrl: string, apiKey: string): Promise<void> {
  const config = { serviceUrl: proxyUrl, apiKey, timeout: 30, models: { embed: EMBED_MODEL, bertscore: BERTSCORE_MODEL } };
  await home.cli(["config", "set", `plugins.entries.${PLUGIN_ID}.config`, JSON.stringify(config), "--strict-json"]);
  await home.cli(["plugins", "enable", PLUGIN_ID]);
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

  before(async () => {
    proxy = await startProxy(apiKey);
    // OpenClaw's memory search embeds through the proxy's OpenAI-compatible /v1/embeddings (README setup).
    home.writeSeedConfig({
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
    home.remove();
  });

  it("loads with its four tools (plugins inspect --runtime)", async () => {
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

    await t.test("gpu_embed", async () => {
      const texts = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."];
      const { status, body } = await invoke("gpu_embed", { texts });
      assert.equal(status, 200);
      const value = result(body);
      assert.deepEqual(value.details, await fromProxy("/embed", { texts, model: EMBED_MODEL }));
      const dims = value.details.dimensions as number;
      assert.equal(value.content[0]?.text, `3 embeddings × ${dims} dims (${EMBED_MODEL}); vectors in details.embeddings`);
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

    await t.test("bad arguments answer 400 with the ToolInputError message", async () => {
      const empty = await invoke("gpu_embed", { texts: [] });
      assert.equal(empty.status, 400);
      assert.match(String((empty.body.error as { message: string }).message), /^Invalid arguments for gpu_embed: texts: Too small/);

      const mismatch = await invoke("gpu_bertscore", { candidates: ["a", "b"], references: ["a"] });
      assert.equal(mismatch.status, 400);
      assert.match(String((mismatch.body.error as { message: string }).message), /candidates and references must have the same length/);

      const unknownModel = await invoke("gpu_embed", { texts: ["a"], model: "no-such-model" });
      assert.equal(unknownModel.status, 400);
      assert.match(String((unknownModel.body.error as { message: string }).message), /422 unknown_model\): model 'no-such-model' is not served/);
    });

    await t.test("with the proxy down, the call fails and the Gateway logs which host and what to check", async () => {
      await stop(proxy?.child);
      const { status, body } = await invoke("gpu_health", {});
      assert.equal(status, 500);
      assert.equal(body.ok, false);
      const port = new URL(proxy?.url ?? "").port;
      const expected = new RegExp(`Cannot reach the GPU Bridge proxy at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED.*serviceUrl is right`);
      // the Gateway writes its log asynchronously, after it has answered
      await waitFor(async () => expected.test(gateway?.log() ?? ""), 10_000, () => `${expected} in the Gateway log`);
    });
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
