/** API_KEY over real HTTP: every route but /health and the API reference needs X-API-Key or a Bearer token. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../node/server.js";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { middlewareApp } from "../../test/support/middleware-app.js";
import { apiKeyAuth } from "./auth.js";

const KEY = "s3cret-key-9f8e7d";

let proxy: RunningProxy;

beforeAll(async () => {
  proxy = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, API_KEY: KEY, PORT: "0" });
});

afterAll(async () => {
  await proxy?.close();
});

const routes: [string, RequestInit][] = [
  ["/info", {}],
  ["/embed", postJson({ texts: ["a"] })],
  ["/bertscore", postJson({ candidates: ["a"], references: ["b"] })],
  ["/v1/embeddings", postJson({ input: "a" })],
  ["/metrics", {}],
];

function withHeaders(init: RequestInit, headers: Record<string, string>): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...headers } };
}

describe("API key", () => {
  it("leaves /health public", async () => {
    const res = await fetch(`${proxy.url}/health`);
    expect(res.status).toBe(200);
  });

  for (const [path, init] of routes) {
    it(`${path}: 401 without a key, with a wrong key and with a wrong-length key; 200 with either header`, async () => {
      const wrong: Record<string, string>[] = [{}, { "x-api-key": "s3cret-key-9f8e7e" }, { "x-api-key": "x" }, { authorization: "Bearer nope" }];
      for (const headers of wrong) {
        const res = await fetch(`${proxy.url}${path}`, withHeaders(init, headers));
        expect(res.status, JSON.stringify(headers)).toBe(401);
        const body = (await res.json()) as { detail: string; code: string };
        expect(body.code).toBe("unauthorized");
        // the message names both headers that carry the key
        expect(body.detail).toContain("X-API-Key");
        expect(body.detail).toContain("Authorization: Bearer");
      }
      const direct = await fetch(`${proxy.url}${path}`, withHeaders(init, { "x-api-key": KEY }));
      expect(direct.status).toBe(200);
      const bearer = await fetch(`${proxy.url}${path}`, withHeaders(init, { authorization: `Bearer ${KEY}` }));
      expect(bearer.status).toBe(200);
    });
  }

  it("leaves the API reference public (it holds no data), as FastAPI's /docs", async () => {
    for (const path of ["/docs", "/openapi.json"]) {
      const res = await fetch(`${proxy.url}${path}`);
      expect(res.status, path).toBe(200);
    }
  });

  it("checks the key before reading the body", async () => {
    const res = await fetch(`${proxy.url}/embed`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(res.status).toBe(401);
  });
});

describe("apiKeyAuth", () => {
  const app = middlewareApp(apiKeyAuth(KEY, { publicDocs: true }));
  const status = async (headers: Record<string, string>) => (await app.request("http://127.0.0.1/echo", { headers })).status;

  it("answers a 401 with the challenge HTTP requires (WWW-Authenticate, Bearer)", async () => {
    const res = await app.request("http://127.0.0.1/echo");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="[^"]+"$/);
  });

  it("takes the Bearer scheme in any case, and only as the scheme", async () => {
    expect(await status({ authorization: `bearer ${KEY}` })).toBe(200);
    expect(await status({ authorization: `BEARER ${KEY}` })).toBe(200);
    expect(await status({ authorization: `xBearer ${KEY}` })).toBe(401);
    expect(await status({ authorization: `Basic Bearer ${KEY}` })).toBe(401);
    expect(await status({ authorization: `Basic ${KEY}` })).toBe(401);
    expect(await status({ authorization: KEY })).toBe(401);
  });
});
