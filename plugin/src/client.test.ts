import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ProxyClient, retryAfterMs } from "./client.js";
import { GpuBridgeError } from "./errors.js";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];

/** A real HTTP server on loopback whose answers each test scripts. */
async function serve(handler: Handler): Promise<{ url: string; requests: { headers: IncomingMessage["headers"]; body: string; path: string }[] }> {
  const requests: { headers: IncomingMessage["headers"]; body: string; path: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      requests.push({ headers: req.headers, body, path: req.url ?? "" });
      handler(req, res, body);
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

const Body = z.object({ value: z.number() });
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};
const client = (serviceUrl: string, apiKey?: string) =>
  new ProxyClient({ serviceUrl, apiKey, configPath: "plugins.entries.gpu-bridge.config" });

describe("ProxyClient", () => {
  it("sends JSON with the API key and parses the answer with the schema", async () => {
    const proxy = await serve((_req, res) => json(res, 200, { value: 7 }));
    const result = await client(proxy.url, "k3y").post("/embed", { texts: ["a"] }, Body, { timeoutMs: 5000 });
    expect(result).toEqual({ value: 7 });
    expect(proxy.requests[0]?.headers["x-api-key"]).toBe("k3y");
    expect(proxy.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(proxy.requests[0]?.body ?? "")).toEqual({ texts: ["a"] });
  });

  it("keeps a path prefix of serviceUrl, in requests and in messages, and drops credentials embedded in it", async () => {
    const proxy = await serve((_req, res) => json(res, 500, { detail: "boom", code: "internal_error" }));
    const url = new URL(proxy.url);
    const c = client(`http://user:pw@${url.host}/gpu/`);
    const error = await c.get("/info", Body, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(proxy.requests[0]?.path).toBe("/gpu/info");
    expect(proxy.requests[0]?.headers.authorization).toBeUndefined();
    expect(c.serviceUrl).toBe(`${proxy.url}/gpu`);
    expect((error as Error).message).toBe(
      `GET /info on ${proxy.url}/gpu failed with 500 internal_error: boom. Check the proxy's log and its inference server`,
    );
    const down = client(`http://127.0.0.1:${await closedPort()}/gpu`);
    const unreachable = await down.get("/health", Body, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((unreachable as Error).message).toMatch(/^Cannot reach the GPU Bridge proxy at http:\/\/127\.0\.0\.1:\d+\/gpu \(ECONNREFUSED/);
  });

  it("retries a 503 after its Retry-After and then succeeds", async () => {
    let calls = 0;
    const proxy = await serve((_req, res) => {
      calls++;
      if (calls < 3) json(res, 503, { detail: "busy", code: "busy" }, { "retry-after": "0.2" });
      else json(res, 200, { value: 3 });
    });
    const started = Date.now();
    const result = await client(proxy.url).get("/info", Body, { timeoutMs: 5000 });
    expect(result.value).toBe(3);
    expect(proxy.requests).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it("gives up at once when Retry-After lies beyond the deadline", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { detail: "2 of 2 slots in use", code: "busy" }, { "retry-after": "30" }));
    const started = Date.now();
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(GpuBridgeError);
    expect((error as Error).message).toMatch(/unavailable \(503 busy\): 2 of 2 slots in use/);
    expect((error as Error).message).toContain(proxy.url);
    expect(proxy.requests).toHaveLength(1);
  });

  it("does not retry when retryBusy is false, and accepts listed statuses as answers", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { value: 5 }, { "retry-after": "0" }));
    const result = await client(proxy.url).get("/health", Body, { timeoutMs: 2000, retryBusy: false, acceptStatuses: [503] });
    expect(result.value).toBe(5);
    expect(proxy.requests).toHaveLength(1);
  });

  it("stops at the total deadline when the server never answers", async () => {
    const proxy = await serve(() => {
      /* never answers */
    });
    const started = Date.now();
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 500 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3000);
    expect((error as Error).message).toMatch(/did not answer GET \/info within 0\.5 s.*timeout/);
  });

  it("stops when the caller aborts", async () => {
    const proxy = await serve(() => {
      /* never answers */
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await client(proxy.url)
      .get("/info", Body, { timeoutMs: 10_000, signal: controller.signal })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/was cancelled/);
  });

  it("aborts a Retry-After wait when the caller aborts", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { detail: "busy" }, { "retry-after": "5" }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = Date.now();
    const error = await client(proxy.url)
      .get("/info", Body, { timeoutMs: 20_000, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((error as Error).message).toMatch(/was cancelled/);
  });

  it("names the host and the socket error when nothing listens", async () => {
    const port = await closedPort();
    const error = await client(`http://127.0.0.1:${port}`).get("/health", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(`Cannot reach the GPU Bridge proxy at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED`),
    );
    expect((error as Error).message).toContain("plugins.entries.gpu-bridge.config.serviceUrl");
  });

  it("explains a 401 in terms of the apiKey setting", async () => {
    const proxy = await serve((_req, res) => json(res, 401, { detail: "missing or invalid API key", code: "unauthorized" }));
    const without = await client(proxy.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((without as Error).message).toMatch(/refused the request \(401 unauthorized\).*apiKey.*none is configured/);
    const wrong = await client(proxy.url, "nope").get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((wrong as Error).message).toMatch(/configured key was not accepted/);
  });

  it("turns the proxy's 4xx validation answers into ToolInputError", async () => {
    const proxy = await serve((_req, res) => json(res, 422, { detail: "model 'x' is not served", code: "unknown_model" }));
    const error = await client(proxy.url).post("/embed", {}, Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("ToolInputError");
    expect((error as Error).message).toBe("The GPU Bridge proxy rejected the arguments (422 unknown_model): model 'x' is not served");
  });

  it("turns a 413 (a body or a list over the proxy's limits) into ToolInputError, without retrying", async () => {
    for (const [code, detail] of [
      ["body_too_large", "request body larger than 1048576 bytes"],
      ["too_many_items", "texts: more than 64 items; at most 64 per request"],
    ]) {
      const proxy = await serve((_req, res) => json(res, 413, { detail, code }));
      const error = await client(proxy.url).post("/embed", { texts: ["a"] }, Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
      expect((error as Error).name).toBe("ToolInputError");
      expect((error as Error).message).toBe(`The GPU Bridge proxy rejected the arguments (413 ${code}): ${detail}`);
      expect(proxy.requests).toHaveLength(1);
    }
  });

  it("reports a 5xx with its status, code and detail", async () => {
    const proxy = await serve((_req, res) => json(res, 502, { detail: "triton at http://t:8000 refused", code: "upstream_error" }));
    const error = await client(proxy.url).post("/bertscore", {}, Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuBridgeError);
    expect((error as GpuBridgeError).httpStatus).toBe(502);
    expect((error as Error).message).toMatch(/POST \/bertscore on http:\/\/127\.0\.0\.1:\d+ failed with 502 upstream_error: triton at http:\/\/t:8000 refused/);
  });

  it("says so when the server is not a GPU Bridge proxy", async () => {
    const html = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>router login</html>");
    });
    const notJson = await client(html.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((notJson as Error).message).toMatch(/not JSON \(<html>router login<\/html>\).*points at a GPU Bridge proxy/);

    const other = await serve((_req, res) => json(res, 200, { something: "else" }));
    const wrongShape = await client(other.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((wrongShape as Error).message).toMatch(/unexpected body .* at value/);

    const missing = await serve((_req, res) => json(res, 404, { detail: "Not Found" }));
    const notFound = await client(missing.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((notFound as Error).message).toMatch(/answered 404: Not Found; check that .*serviceUrl is the GPU Bridge proxy's base URL/);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds, fractions and HTTP dates, and falls back to one second", () => {
    expect(retryAfterMs("5")).toBe(5000);
    expect(retryAfterMs("0.25")).toBe(250);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(retryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null)).toBe(1000);
    expect(retryAfterMs("soon")).toBe(1000);
  });
});
