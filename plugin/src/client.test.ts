import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_ATTEMPTS, MAX_DETAIL_CHARS, ProxyClient, retryAfterMs } from "./client.js";
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
    expect(proxy.requests[0]?.headers.accept).toBe("application/json");
  });

  it("sends a GET without a body type, and no key header when no key is configured", async () => {
    const proxy = await serve((_req, res) => json(res, 200, { value: 1 }));
    await client(proxy.url).get("/info", Body, { timeoutMs: 5000 });
    expect(proxy.requests[0]?.headers["content-type"]).toBeUndefined();
    expect(proxy.requests[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("keeps a path prefix of serviceUrl, in requests and in messages, and drops credentials embedded in it", async () => {
    const proxy = await serve((_req, res) => json(res, 500, { detail: "boom", code: "internal_error" }));
    const url = new URL(proxy.url);
    const c = client(`http://user:pw@${url.host}/gpu/`);
    const error = await c.get("/info", Body, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(proxy.requests[0]?.path).toBe("/gpu/info");
    expect(proxy.requests[0]?.headers.authorization).toBeUndefined();
    expect(c.serviceUrl).toBe(`${proxy.url}/gpu`);
    expect(c.setting("apiKey")).toBe("plugins.entries.gpu-bridge.config.apiKey");
    expect((error as Error).message).toBe(
      `GET /info on ${proxy.url}/gpu failed with 500 internal_error: boom. Check the proxy's log and its inference server`,
    );
    const down = client(`http://127.0.0.1:${await closedPort()}/gpu`);
    const unreachable = await down.get("/health", Body, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((unreachable as Error).message).toMatch(/^Cannot reach the GPU Bridge proxy at http:\/\/127\.0\.0\.1:\d+\/gpu \(ECONNREFUSED/);
  });

  it("retries a 503 after its Retry-After (a second at least) and then succeeds", async () => {
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
    expect((error as Error).cause).toBeInstanceOf(DOMException);
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
    expect((error as Error).cause).toBeInstanceOf(DOMException);
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
    expect((error as Error).message).toBe(
      `Cannot reach the GPU Bridge proxy at http://127.0.0.1:${port} (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port}). ` +
        "Check that it is running and that plugins.entries.gpu-bridge.config.serviceUrl is right",
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
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
    expect(proxy.requests).toHaveLength(1);
  });

  it("shows an error body that is not the proxy's JSON as its text, whitespace collapsed, or says nothing when empty", async () => {
    const gateway = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>\n  <h1>502   Bad Gateway</h1>\n</html>\n");
    });
    const error = await client(gateway.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `GET /info on ${gateway.url} failed with 502: <html> <h1>502 Bad Gateway</h1> </html>. Check the proxy's log and its inference server`,
    );
    const empty = await serve((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const bare = await client(empty.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((bare as Error).message).toBe(`GET /info on ${empty.url} failed with 500. Check the proxy's log and its inference server`);
    const codeOnly = await serve((_req, res) => json(res, 500, { code: "internal_error" }));
    const coded = await client(codeOnly.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((coded as Error).message).toBe(`GET /info on ${codeOnly.url} failed with 500 internal_error. Check the proxy's log and its inference server`);
  });

  it("reads an error body past the answer limit, up to its own", async () => {
    const proxy = await serve((_req, res) => json(res, 500, { detail: `boom ${"x".repeat(2000)}`, code: "internal_error" }));
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 2000, maxBytes: 1024 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/failed with 500 internal_error: boom x+…\. Check the proxy's log/);
    const page = "<p>down</p>".repeat(10_000);
    const huge = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "text/html" });
      res.end(page);
    });
    const cut = await client(huge.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((cut as Error).message).toBe(
      `GET /info on ${huge.url} failed with 500: ${page.slice(0, 199)}…. Check the proxy's log and its inference server`,
    );
  });

  it("reports a 403 like a 401, a 400 as the tool's arguments, and a 404 for a model as the model's", async () => {
    const forbidden = await serve((_req, res) => json(res, 403, { detail: "key not allowed", code: "unauthorized" }));
    const refused = await client(forbidden.url, "k").get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((refused as Error).message).toBe(
      `The GPU Bridge proxy at ${forbidden.url} refused the request (403 unauthorized): key not allowed. ` +
        "Set plugins.entries.gpu-bridge.config.apiKey to the proxy's API_KEY (the configured key was not accepted)",
    );
    const invalid = await serve((_req, res) => json(res, 400, { detail: "texts: too short", code: "validation_error" }));
    const bad = await client(invalid.url).post("/embed", {}, Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((bad as Error).name).toBe("ToolInputError");
    expect((bad as Error).message).toBe("The GPU Bridge proxy rejected the arguments (400 validation_error): texts: too short");
    const model = await serve((_req, res) => json(res, 404, { detail: "model 'x' is not served", code: "unknown_model" }));
    const unknown = await client(model.url).post("/embed", {}, Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((unknown as Error).message).toBe(
      `POST /embed on ${model.url} failed with 404 unknown_model: model 'x' is not served. Check the proxy's log and its inference server`,
    );
  });

  it("takes an empty answer as one that is not JSON", async () => {
    const proxy = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `GET /info on ${proxy.url} answered 204 with a body that is not JSON (); check that plugins.entries.gpu-bridge.config.serviceUrl points at a GPU Bridge proxy`,
    );
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
    expect((wrongShape as Error).message).toBe(
      `GET /info on ${other.url} answered an unexpected body (Invalid input: expected number, received undefined at value); ` +
        "check that plugins.entries.gpu-bridge.config.serviceUrl points at a GPU Bridge proxy of a matching version",
    );
    const list = await serve((_req, res) => json(res, 200, [1]));
    const notObject = await client(list.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((notObject as Error).message).toMatch(/answered an unexpected body \(Invalid input: expected object, received array\); check/);
    const deep = await serve((_req, res) => json(res, 200, { outer: { inner: "x" } }));
    const nested = await client(deep.url).get("/info", z.object({ outer: z.object({ inner: z.number() }) }), { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((nested as Error).message).toMatch(/answered an unexpected body \(Invalid input: expected number, received string at outer\.inner\); check/);

    const missing = await serve((_req, res) => json(res, 404, { detail: "Not Found" }));
    const notFound = await client(missing.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((notFound as Error).message).toMatch(/answered 404: Not Found; check that .*serviceUrl is the GPU Bridge proxy's base URL/);
  });
});

describe("ProxyClient against a proxy it cannot trust", () => {
  it("never follows a redirect: a 3xx is an error naming the Location's origin, and the key goes nowhere else", async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, { value: 1 }));
    const proxy = await serve((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/steal?x=1` });
      res.end();
    });
    const error = await client(proxy.url, "k3y").post("/embed", { texts: ["secret"] }, Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuBridgeError);
    expect((error as Error).message).toBe(
      `POST /embed on ${proxy.url} answered 307, a redirect to ${elsewhere.url}; the plugin does not follow redirects ` +
        "(they would carry the API key and the texts elsewhere): set plugins.entries.gpu-bridge.config.serviceUrl to the proxy's own URL",
    );
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("stops reading an answer past its byte limit, declared or streamed", async () => {
    const big = JSON.stringify({ value: 1, pad: "x".repeat(5000) });
    const declared = await serve((_req, res) => json(res, 200, JSON.parse(big) as unknown, { "content-length": String(big.length) }));
    const error = await client(declared.url).get("/info", Body, { timeoutMs: 2000, maxBytes: 4096 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuBridgeError);
    expect((error as Error).message).toBe(
      `GET /info on ${declared.url} answered more than 4096 bytes, more than this call can need; check that ` +
        "plugins.entries.gpu-bridge.config.serviceUrl points at a GPU Bridge proxy",
    );
    let sent = 0;
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = "x".repeat(64 * 1024);
      // an endless body without a Content-Length, until the client goes away
      const write = () => {
        while (!res.destroyed && sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed && sent < 64 * 1024 * 1024) res.once("drain", write);
      };
      write();
    });
    const endless = await client(streamed.url).get("/info", Body, { timeoutMs: 10_000, maxBytes: 1024 * 1024 }).catch((e: unknown) => e);
    expect((endless as Error).message).toMatch(/answered more than 1048576 bytes/);
    expect(sent).toBeLessThan(16 * 1024 * 1024);
  });

  it("stops reading a body that trickles past the deadline", async () => {
    const proxy = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"value": ');
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write(" ")), 50);
      res.on("close", () => clearInterval(timer));
    });
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/did not answer GET \/info within 0\.5 s/);
  });

  it("clips the proxy's error detail that goes into the message", async () => {
    const proxy = await serve((_req, res) => json(res, 500, { detail: `boom ${"x".repeat(50_000)}`, code: "internal_error" }));
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/failed with 500 internal_error: boom x+…\. Check the proxy's log/);
    expect((error as Error).message.length).toBeLessThan(MAX_DETAIL_CHARS + 200);
  });

  it("waits at least a second on Retry-After: 0 and gives up after a bounded number of attempts", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { detail: "busy", code: "busy" }, { "retry-after": "0" }));
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(new RegExp(`unavailable \\(503 busy\\): busy, still busy after ${MAX_ATTEMPTS} attempt\\(s\\)`));
    expect(proxy.requests).toHaveLength(MAX_ATTEMPTS);
  });

  it("does not wait on a Retry-After beyond a minute, whatever the timeout", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { detail: "busy", code: "busy" }, { "retry-after": "3000" }));
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 3_600_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/asked to retry after 3000 s, more than the 60 s the plugin waits/);
    expect(proxy.requests).toHaveLength(1);
  });

  it("takes a Retry-After of exactly a minute as one it waits for, the deadline permitting", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { detail: "busy", code: "busy" }, { "retry-after": "60" }));
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 2500 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `The GPU Bridge proxy at ${proxy.url} is unavailable (503 busy): busy, still busy after 1 attempt(s) within the 2.5 s timeout. ` +
        "Retry later, or raise GPU_MAX_TEXTS_IN_FLIGHT on the proxy if it is busy",
    );
  });

  it("does not retry a 503 when retryBusy is false", async () => {
    const proxy = await serve((_req, res) => json(res, 503, { detail: "busy", code: "busy" }, { "retry-after": "0" }));
    const error = await client(proxy.url).get("/info", Body, { timeoutMs: 5000, retryBusy: false }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      `The GPU Bridge proxy at ${proxy.url} is unavailable (503 busy): busy. Retry later, or raise GPU_MAX_TEXTS_IN_FLIGHT on the proxy if it is busy`,
    );
    expect(proxy.requests).toHaveLength(1);
  });

  it("names a redirect's target as missing or invalid when it is, for any 3xx", async () => {
    const notModified = await serve((_req, res) => {
      res.writeHead(304);
      res.end();
    });
    const missing = await client(notModified.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/^GET \/info on \S+ answered 304, a redirect to a missing Location; the plugin does not follow redirects/);
    const choices = await serve((_req, res) => {
      res.writeHead(300, { location: "http://[" });
      res.end();
    });
    const invalid = await client(choices.url).get("/info", Body, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect((invalid as Error).message).toMatch(/^GET \/info on \S+ answered 300, a redirect to an invalid Location; /);
  });

  it("reads an answer of exactly its byte limit, declared or streamed, and not a byte more", async () => {
    const body = JSON.stringify({ value: 1, pad: "x".repeat(100) });
    const declared = await serve((_req, res) => json(res, 200, JSON.parse(body) as unknown, { "content-length": String(body.length) }));
    expect(await client(declared.url).get("/info", Body, { timeoutMs: 2000, maxBytes: body.length })).toEqual({ value: 1 });
    const streamed = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(body.slice(0, 50));
      setTimeout(() => res.end(body.slice(50)), 20);
    });
    expect(await client(streamed.url).get("/info", Body, { timeoutMs: 2000, maxBytes: body.length })).toEqual({ value: 1 });
    const over = await client(streamed.url).get("/info", Body, { timeoutMs: 2000, maxBytes: body.length - 1 }).catch((e: unknown) => e);
    expect((over as Error).message).toMatch(new RegExp(`answered more than ${body.length - 1} bytes`));
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
    // digits with anything around them are not seconds
    for (const header of ["5s", "x5", ""]) expect(retryAfterMs(header)).toBe(1000);
  });
});
