/**
 * Keep-alive clients and early answers, over real HTTP with undici's pool: a refusal sent before the body arrived
 * closes the connection, so the client's next request goes on a fresh one and succeeds.
 */
import { Readable } from "node:stream";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startProxy, type RunningProxy } from "./server.js";

const KEY = "close-unread-key";
const AUTH = { "x-api-key": KEY };
const BIG = JSON.stringify({ texts: ["z".repeat(1024 * 1024)] }); // well over MAX_BODY_BYTES (64 KiB)

let proxy: RunningProxy;
let connections = 0;
let agent: Agent;

beforeAll(async () => {
  proxy = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, API_KEY: KEY, HOST: "127.0.0.1", PORT: "0" });
  proxy.server.on("connection", () => {
    connections += 1;
  });
});

afterAll(async () => {
  await proxy?.close();
});

beforeEach(() => {
  agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 30_000 });
});

afterEach(async () => {
  await agent.close();
});

async function post(path: string, headers: Record<string, string>, body: string | Readable) {
  const res = await request(`${proxy.url}${path}`, { method: "POST", headers, body, dispatcher: agent });
  const text = await res.body.text();
  return { status: res.statusCode, connection: res.headers.connection, body: text };
}

const followUp = () => post("/embed", { "content-type": "application/json", ...AUTH }, JSON.stringify({ texts: ["next"] }));

/** A body without Content-Length (sent chunked). */
function chunked(total: number): Readable {
  const chunk = new TextEncoder().encode(`{"texts":["${"y".repeat(16 * 1024)}`);
  return Readable.from((function* () {
    for (let sent = 0; sent < total; sent += chunk.byteLength) yield chunk;
  })());
}

describe("early answers on a keep-alive pool", () => {
  const cases: [string, () => ReturnType<typeof post>, number, string][] = [
    ["413 on a declared 1 MiB body", () => post("/bertscore", { "content-type": "application/json", ...AUTH }, BIG), 413, "body_too_large"],
    ["413 on a chunked 130 KiB body", () => post("/embed", { "content-type": "application/json", ...AUTH }, chunked(130 * 1024)), 413, "body_too_large"],
    ["415 on a large text/plain body", () => post("/embed", { "content-type": "text/plain", ...AUTH }, BIG), 415, "unsupported_media_type"],
    ["401 on a large POST without the key", () => post("/embed", { "content-type": "application/json" }, BIG), 401, "unauthorized"],
  ];
  for (const [name, send, status, code] of cases) {
    it(`${name}: Connection: close, and the next request succeeds`, async () => {
      const refused = await send();
      expect(refused.status).toBe(status);
      expect((JSON.parse(refused.body) as { code: string }).code).toBe(code);
      expect(refused.connection).toBe("close");
      const next = await followUp();
      expect(next.status, next.body).toBe(200);
    });
  }

  it("keeps the connection open after answers whose body was read, refusals included", async () => {
    const before = connections;
    const ok = await followUp();
    const invalid = await post("/embed", { "content-type": "application/json", ...AUTH }, JSON.stringify({ texts: [1] }));
    const again = await followUp();
    expect([ok.status, invalid.status, again.status]).toEqual([200, 422, 200]);
    expect([ok.connection, invalid.connection, again.connection]).toEqual(["keep-alive", "keep-alive", "keep-alive"]);
    expect(connections - before).toBe(1);
  });
});
