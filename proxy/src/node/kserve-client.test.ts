/** The KServe v2 client against the runtime's real server on loopback (and a port nothing listens on). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveFetch, type KeepAliveFetch } from "./upstream-fetch.js";
import { createRuntimeFetch, startRuntimeServer, type RuntimeHandle, type RuntimeServer } from "@gpu-bridge/runtime";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startGatedUpstream, type GatedUpstream } from "@gpu-bridge/test-support/gated-upstream";
import { KServeClient, modelPath } from "@gpu-bridge/kserve/client";
import { UpstreamError } from "@gpu-bridge/kserve/inference";

let handle: RuntimeHandle;
let server: RuntimeServer;
let gated: GatedUpstream;
let pool: KeepAliveFetch;
let client: KServeClient;

const text = (name: string, texts: string[]) => ({
  name,
  datatype: "BYTES" as const,
  shape: [texts.length, 1],
  data: texts.map((t) => new TextEncoder().encode(t)),
});

beforeAll(async () => {
  handle = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  server = await startRuntimeServer({ handle });
  gated = await startGatedUpstream(handle.fetch);
  pool = keepAliveFetch(4);
  client = new KServeClient({ baseUrl: server.url, fetch: pool.fetch, timeoutMs: 5000 });
});

afterAll(async () => {
  await pool?.close();
  await server?.close();
  await gated?.stop();
  await handle?.close();
});

describe("KServeClient", () => {
  it("reads readiness, server metadata, the repository index and configs", async () => {
    expect(await client.ready()).toBe(true);
    expect((await client.serverMetadata()).name).toBe("gpu-bridge-runtime");
    const names = (await client.repositoryIndex()).map((m) => m.name).sort();
    expect(names).toEqual(["bertscore", "bertscore-tiny-bert", "device_info", "embed", "tiny-bert", "tiny-roberta"]);
    const config = await client.modelConfig("embed");
    expect(config.parameters?.task?.string_value).toBe("embed");
  });

  it("gets the same embeddings with binary and JSON tensors", async () => {
    const inputs = [text("TEXT", ["hello world", "héllo wörld"])];
    const binary = await client.infer("embed", inputs, { outputs: ["EMBEDDING"], binary: true });
    const json = await client.infer("embed", inputs, { outputs: ["EMBEDDING"], binary: false });
    expect(binary.get("EMBEDDING")?.shape).toEqual([2, 32]);
    expect(Array.from(binary.get("EMBEDDING")?.data as Float32Array)).toEqual(Array.from(json.get("EMBEDDING")?.data as Float32Array));
  });

  it("sends the configured headers on every call, beside a call's own", async () => {
    const seen: Record<string, string>[] = [];
    const recording = new KServeClient({
      baseUrl: server.url,
      fetch: (url, init) => {
        seen.push({ ...init.headers });
        return pool.fetch(url, init);
      },
      timeoutMs: 5000,
      headers: { "cf-access-client-id": "id.access" },
    });
    expect(await recording.ready()).toBe(true);
    const out = await recording.infer("embed", [text("TEXT", ["hello"])], { outputs: ["EMBEDDING"], binary: false });
    expect(out.get("EMBEDDING")?.shape).toEqual([1, 32]);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual({ "cf-access-client-id": "id.access" });
    expect(seen[1]).toMatchObject({ "cf-access-client-id": "id.access", "content-type": "application/json" });
  });

  it("maps a 400 to rejected with the server's message", async () => {
    const err = await client.infer("embed", [text("NOPE", ["a"])], { outputs: ["EMBEDDING"], binary: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe("rejected");
    expect((err as UpstreamError).message).toContain("NOPE");
  });

  it("encodes model names into the path", async () => {
    const err = await client.modelConfig("no such model?").catch((e: unknown) => e);
    expect((err as UpstreamError).kind).toBe("unavailable");
    expect((err as UpstreamError).status).toBe(404);
  });

  it("refuses names a URL would normalise away before any request (., .., empty, slashes)", async () => {
    const paths: string[] = [];
    const recording = new KServeClient({
      baseUrl: "http://triton.invalid",
      timeoutMs: 1000,
      fetch: async (url) => {
        paths.push(url);
        return Response.json({});
      },
    });
    for (const name of ["..", ".", "", "../repository/index", "a/b", "a\\b"]) {
      const config = await recording.modelConfig(name).catch((e: unknown) => e);
      expect((config as UpstreamError).kind, name).toBe("bad_response");
      const infer = await recording.infer(name, [], { outputs: [], binary: false }).catch((e: unknown) => e);
      expect((infer as UpstreamError).kind, name).toBe("bad_response");
    }
    expect(paths).toEqual([]);
    expect(modelPath("all-MiniLM-L6-v2")).toBe("/v2/models/all-MiniLM-L6-v2");
    expect(modelPath("...")).toBe("/v2/models/...");
  });

  it("maps a refused connection to unreachable and a stalled answer to timeout", async () => {
    const nowhere = new KServeClient({ baseUrl: "http://127.0.0.1:9", fetch: pool.fetch, timeoutMs: 2000 });
    expect(((await nowhere.ready().catch((e: unknown) => e)) as UpstreamError).kind).toBe("unreachable");
    gated.close();
    const slow = new KServeClient({ baseUrl: gated.url, fetch: pool.fetch, timeoutMs: 200 });
    const err = await slow.infer("embed", [text("TEXT", ["a"])], { outputs: ["EMBEDDING"], binary: true }).catch((e: unknown) => e);
    gated.open();
    expect((err as UpstreamError).kind).toBe("timeout");
  });

  it("maps the caller's abort to aborted", async () => {
    gated.close();
    const controller = new AbortController();
    const slow = new KServeClient({ baseUrl: gated.url, fetch: pool.fetch, timeoutMs: 5000 });
    const pending = slow.infer("embed", [text("TEXT", ["a"])], { outputs: ["EMBEDDING"], binary: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const err = await pending.catch((e: unknown) => e);
    gated.open();
    expect((err as UpstreamError).kind).toBe("aborted");
  });
});
