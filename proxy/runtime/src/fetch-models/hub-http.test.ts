/**
 * The hub client on networks as they are: a forward proxy named by HTTP_PROXY / NO_PROXY (the `proxy` package,
 * a real one, on 127.0.0.1), redirects to a storage host on another origin, refusals, rate limits and 5xx answers,
 * against hub and storage stand-ins on 127.0.0.1.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createProxy, type ProxyServer } from "proxy";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downloadVerified } from "./download.js";
import { resolveRevision } from "./hub-api.js";
import { HubAuthError, HubHttpError, HubUnreachableError, MAX_ATTEMPTS, StorageUnreachableError } from "./hub-http.js";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const FILE = Buffer.from("onnx bytes ".repeat(1000));
const SHA256 = createHash("sha256").update(FILE).digest("hex");
const PROXY_VARIABLES = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"];

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function listen<T extends Server>(server: T): Promise<{ server: T; url: string }> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

const close = (server: Server) =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });

let hub: { server: Server; url: string };
let storage: { server: Server; url: string };
/** What the hub and the storage host do with the next requests; each request seen, with its Authorization. */
let hubHandler: Handler;
const seen: { host: "hub" | "storage"; path: string; authorization: string | undefined }[] = [];
const savedEnv = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));

const modelInfo: Handler = (_req, res) =>
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ sha: COMMIT, siblings: [] }));

beforeAll(async () => {
  hub = await listen(
    createServer((req, res) => {
      seen.push({ host: "hub", path: req.url ?? "", authorization: req.headers.authorization });
      hubHandler(req, res);
    }),
  );
  storage = await listen(
    createServer((req, res) => {
      seen.push({ host: "storage", path: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(200, { "content-length": String(FILE.length) }).end(FILE);
    }),
  );
});
afterAll(async () => {
  await close(hub.server);
  await close(storage.server);
});
beforeEach(() => {
  seen.length = 0;
  hubHandler = modelInfo;
  for (const name of PROXY_VARIABLES) delete process.env[name];
});
afterEach(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const revision = (extra: Partial<Parameters<typeof resolveRevision>[0]> = {}) =>
  resolveRevision({ baseUrl: hub.url, repo: "org/name", revision: "main", ...extra });

describe("through a forward proxy", () => {
  let proxy: { server: ProxyServer; url: string };
  const proxied: string[] = [];
  beforeAll(async () => {
    proxy = await listen(createProxy(createServer()));
    // undici tunnels every request (CONNECT host:port), as it does to the hub's https origin
    proxy.server.on("connect", (req: IncomingMessage) => proxied.push(req.url ?? ""));
  });
  afterAll(() => close(proxy.server));
  beforeEach(() => {
    proxied.length = 0;
    delete proxy.server.authenticate;
    // no tunnel of an earlier test is reused: each test's requests open (and log) their own
    proxy.server.closeAllConnections();
  });

  it("sends the metadata call and the redirected download through HTTP_PROXY", async () => {
    process.env.HTTP_PROXY = proxy.url;
    expect((await revision()).commit).toBe(COMMIT);
    hubHandler = (_req, res) => res.writeHead(302, { location: `${storage.url}/blob` }).end();
    const dir = await mkdtemp(path.join(os.tmpdir(), "hub-http-"));
    try {
      const dest = path.join(dir, "model.onnx");
      await downloadVerified({ url: `${hub.url}/org/name/resolve/${COMMIT}/model.onnx`, dest, checksum: { sha256: SHA256 } });
      expect(readFileSync(dest)).toEqual(FILE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(new Set(proxied)).toEqual(new Set([new URL(hub.url).host, new URL(storage.url).host]));
    expect(seen.map((s) => s.path)).toEqual([
      "/api/models/org/name/revision/main?blobs=true",
      `/org/name/resolve/${COMMIT}/model.onnx`,
      "/blob",
    ]);
  });

  it("tunnels https requests through HTTPS_PROXY", async () => {
    process.env.HTTPS_PROXY = proxy.url;
    // the stand-in speaks no TLS, so the request fails after the tunnel: the proxy's log is what counts
    const err = await resolveRevision({ baseUrl: hub.url.replace("http:", "https:"), repo: "org/name", revision: "main" }).catch(
      (e: unknown) => e,
    );
    expect(proxied).toEqual([new URL(hub.url).host]);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect((err as Error).message).toContain(`through the proxy ${proxy.url} (`);
  });

  it("says that a proxy variable it cannot read is one", async () => {
    process.env.HTTP_PROXY = "not a url";
    await expect(revision()).rejects.toThrow(/could not reach .* through the proxy not a url \(.*\); check HTTPS_PROXY/);
  });

  it("goes direct to the hosts NO_PROXY names", async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = "example.com,127.0.0.1";
    expect((await revision()).commit).toBe(COMMIT);
    expect(proxied).toEqual([]);
    expect(seen.map((s) => s.path)).toEqual(["/api/models/org/name/revision/main?blobs=true"]);
  });

  it("says which proxy failed, and which variables name it", async () => {
    const closed = await listen(createServer());
    await close(closed.server);
    process.env.HTTP_PROXY = closed.url;
    const err = await revision().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect((err as Error).message).toMatch(
      new RegExp(`could not reach 127\\.0\\.0\\.1:\\d+ through the proxy ${closed.url} \\(ECONNREFUSED\\); check HTTPS_PROXY / HTTP_PROXY`),
    );
  });

  it("says that the proxy wants credentials, and where they go", async () => {
    process.env.HTTP_PROXY = proxy.url;
    proxy.server.authenticate = () => false;
    await expect(revision()).rejects.toThrow(/the proxy asks for credentials \(407\): put them in HTTPS_PROXY as http:\/\/user:password@host:port/);
  });
});

describe("without a proxy", () => {
  it("says that a proxy may be needed when the hub cannot be reached", async () => {
    const closed = await listen(createServer());
    await close(closed.server);
    const err = await resolveRevision({ baseUrl: closed.url, repo: "org/name", revision: "main" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect((err as Error).message).toMatch(/\(ECONNREFUSED\); if this network reaches the internet through a proxy, set HTTPS_PROXY/);
  });
});

describe("answers and retries", () => {
  const waits: number[] = [];
  const logs: string[] = [];
  const wait = async (ms: number) => void waits.push(ms);
  const log = (message: string) => void logs.push(message);
  beforeEach(() => {
    waits.length = 0;
    logs.length = 0;
  });

  /** The hub answers `statuses` in turn (with `headers`), then the model info. */
  const failing = (statuses: number[], headers: Record<string, string> = {}): Handler => {
    const left = [...statuses];
    return (req, res) => {
      const status = left.shift();
      if (status === undefined) return modelInfo(req, res);
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ error: "busy" }));
    };
  };

  it("waits as Retry-After says on 429, then goes on", async () => {
    hubHandler = failing([429, 429], { "retry-after": "7" });
    expect((await revision({ log, wait })).commit).toBe(COMMIT);
    expect(waits).toEqual([7000, 7000]);
    expect(logs).toEqual([
      "rate-limited by the hub (429): retrying in 7 s (attempt 2 of 5)",
      "rate-limited by the hub (429): retrying in 7 s (attempt 3 of 5)",
    ]);
  });

  it("backs off exponentially on 5xx, and gives up after a bounded number of attempts", async () => {
    hubHandler = failing([503, 502]);
    expect((await revision({ log, wait })).commit).toBe(COMMIT);
    expect(waits).toEqual([1000, 2000]);
    hubHandler = failing(Array<number>(MAX_ATTEMPTS).fill(500));
    waits.length = 0;
    const err = await revision({ log, wait }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubHttpError);
    expect((err as Error).message).toMatch(/the hub answered 500 5 times; try again later$/);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it("does not wait for a Retry-After beyond its bound, and says when to try again", async () => {
    hubHandler = failing([429], { "retry-after": "3600" });
    await expect(revision({ log, wait })).rejects.toThrow(/rate-limited by the hub \(429\), asking to wait 3600 s; try again then/);
    expect(waits).toEqual([]);
  });

  it("says that HF_TOKEN was refused, with the hub's own error, and never retries it", async () => {
    hubHandler = (_req, res) =>
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "Invalid credentials in Authorization header" }));
    const err = await revision({ headers: { authorization: "Bearer hf_stale" }, wait }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubAuthError);
    expect((err as Error).message).toMatch(
      /the hub refused your HF_TOKEN \(401: Invalid credentials in Authorization header\): unset HF_TOKEN, or renew it at https:\/\/huggingface.co\/settings\/tokens$/,
    );
    const anonymous = await revision({ wait }).catch((e: unknown) => e);
    expect((anonymous as Error).message).toMatch(/the hub asks for a token \(401: .*\): the repository is gated or private; set HF_TOKEN/);
    expect(waits).toEqual([]);
  });

  it("keeps Authorization to the hub: the storage host on another origin never sees it", async () => {
    hubHandler = (_req, res) => res.writeHead(302, { location: `${storage.url}/blob` }).end();
    const dir = await mkdtemp(path.join(os.tmpdir(), "hub-http-"));
    try {
      const url = `${hub.url}/org/name/resolve/${COMMIT}/model.onnx`;
      await downloadVerified({ url, dest: path.join(dir, "f"), checksum: { sha256: SHA256 }, headers: { authorization: "Bearer hf_x" } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(seen.map((s) => [s.host, s.authorization])).toEqual([
      ["hub", "Bearer hf_x"],
      ["storage", undefined],
    ]);
  });

  it("names the storage host a firewall blocks, and the hosts to allow", async () => {
    const closed = await listen(createServer());
    await close(closed.server);
    hubHandler = (_req, res) => res.writeHead(302, { location: `${closed.url}/blob` }).end();
    const url = `${hub.url}/org/name/resolve/${COMMIT}/model.onnx`;
    const err = await downloadVerified({ url, dest: path.join(os.tmpdir(), "never", "f"), checksum: { sha256: SHA256 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageUnreachableError);
    expect((err as Error).message).toBe(
      `GET ${url}: the hub sent the download to its storage host ${new URL(closed.url).host}, which could not be reached (ECONNREFUSED).` +
        " A firewall or proxy that lets the hub through must also allow its storage hosts" +
        " (cdn-lfs.hf.co, cdn-lfs-us-1.hf.co, cdn-lfs-eu-1.hf.co, cas-bridge.xethub.hf.co, transfer.xethub.hf.co, *.cdn.hf.co).",
    );
  });
});
