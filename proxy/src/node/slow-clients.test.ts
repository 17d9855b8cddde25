/**
 * Connections of clients that never finish their request, and more connections than HTTP_MAX_CONNECTIONS: Node's
 * HTTP server closes them (requestTimeout, headersTimeout, maxConnections from the configuration), instead of
 * keeping each one for its 300 s default; one address past HTTP_MAX_CONNECTIONS_PER_CLIENT is refused while another
 * is served (two loopback addresses), and refusals and timeouts are counted and logged.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/fixture-env";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { waitFor } from "@gpu-bridge/test-support/wait";
import type { LogSink } from "../app/types.js";
import { startProxy, type RunningProxy } from "./server.js";

let proxy: RunningProxy | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await proxy?.close();
  proxy = undefined;
});

async function start(env: Record<string, string>, log: LogSink = () => {}): Promise<RunningProxy> {
  proxy = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, PORT: "0", ...env }, { log });
  return proxy;
}

interface Connection {
  socket: Socket;
  closed: boolean;
  received: string;
}

/** A raw connection that sends `start` and then nothing more, from `localAddress` (another loopback address: another client). */
async function open(port: number, start: string, localAddress = "127.0.0.1"): Promise<Connection> {
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  sockets.push(socket);
  const connection: Connection = { socket, closed: false, received: "" };
  socket.on("data", (chunk: Buffer) => (connection.received += chunk.toString()));
  socket.on("error", () => {});
  socket.on("close", () => (connection.closed = true));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (start) socket.write(start);
  return connection;
}

describe("slow clients on Node", () => {
  it("closes connections whose headers or body never finish, once the configured deadlines pass", async () => {
    const { port } = await start({ HTTP_HEADERS_TIMEOUT_MS: "500", HTTP_REQUEST_TIMEOUT_MS: "1000" });
    const partialHeaders = "POST /embed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    const partialBody = `POST /embed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"texts":["`;
    const connections = [
      ...(await Promise.all(Array.from({ length: 20 }, () => open(port, partialHeaders)))),
      ...(await Promise.all(Array.from({ length: 20 }, () => open(port, partialBody)))),
      ...(await Promise.all(Array.from({ length: 10 }, () => open(port, "")))),
    ];
    // Node's defaults (300 s for the request, 60 s for the headers) would keep every one of them open past this.
    await waitFor(() => connections.every((c) => c.closed), 20_000, "every slow connection to be closed");
    // Where Node answers before closing, it is 408 Request Timeout.
    for (const c of connections) if (c.received) expect(c.received).toMatch(/^HTTP\/1\.1 408 /);
    const healthy = await fetch(`${proxy?.url}/health`);
    expect(healthy.status).toBe(200);
  });

  it("closes connections past HTTP_MAX_CONNECTIONS at once, and serves those within it", async () => {
    const { port } = await start({ HTTP_MAX_CONNECTIONS: "4" });
    const connections = await Promise.all(Array.from({ length: 10 }, () => open(port, "")));
    await waitFor(() => connections.filter((c) => c.closed).length === 6, 10_000, "the connections past the cap to be closed");
    const kept = connections.filter((c) => !c.closed);
    expect(kept).toHaveLength(4);
    const first = kept[0] as Connection;
    first.socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await waitFor(() => first.received.includes("\r\n\r\n{"), 10_000, "an answer on a connection within the cap");
    expect(first.received).toMatch(/^HTTP\/1\.1 200 /);
    // the connections closed for the cap are counted
    const second = kept[1] as Connection;
    second.socket.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await waitFor(() => second.received.includes("gpu_bridge_http_connections_refused_total"), 10_000, "the metrics");
    expect(second.received).toMatch(/^gpu_bridge_http_connections_refused_total\{reason="max_connections"\} 6$/m);
  });

  it("closes one address's connections past HTTP_MAX_CONNECTIONS_PER_CLIENT, counts and logs them, and serves another address", async () => {
    const logged: Record<string, unknown>[] = [];
    const { port, url } = await start({ HTTP_MAX_CONNECTIONS: "20", HTTP_MAX_CONNECTIONS_PER_CLIENT: "5" }, (entry) => logged.push(entry));
    const halfSent = `POST /embed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"texts":["`;
    // one client (127.0.0.2) tries to take more than the whole server's cap
    const flood = await Promise.all(Array.from({ length: 30 }, () => open(port, halfSent, "127.0.0.2")));
    await waitFor(() => flood.filter((c) => c.closed).length === 25, 10_000, "the flooding client's connections past its cap to be closed");
    // another client (127.0.0.1) is still served
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^gpu_bridge_http_connections_refused_total\{reason="per_client"\} 25$/m);
    const lines = logged.filter((entry) => entry.msg === "connections refused");
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatchObject({ level: "warn", reason: "per_client", limit: "HTTP_MAX_CONNECTIONS_PER_CLIENT", client: "127.0.0.2" });
  });

  it("counts and logs the connections it closes for their deadlines, still answering them 408", async () => {
    const logged: Record<string, unknown>[] = [];
    const { port, url } = await start({ HTTP_HEADERS_TIMEOUT_MS: "300", HTTP_REQUEST_TIMEOUT_MS: "600" }, (entry) => logged.push(entry));
    const slow = await Promise.all(Array.from({ length: 3 }, () => open(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
    await waitFor(() => slow.every((c) => c.closed), 20_000, "the slow connections to be closed");
    for (const c of slow) expect(c.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n\r\n$/);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^gpu_bridge_http_connections_timed_out_total 3$/m);
    expect(logged.find((entry) => entry.msg === "connections timed out")).toMatchObject({ level: "warn", client: "127.0.0.1" });
  });

  it("takes its keep-alive, header and request deadlines from the configuration", async () => {
    const running = await start({ HTTP_KEEP_ALIVE_TIMEOUT_MS: "1234", HTTP_HEADERS_TIMEOUT_MS: "2345", HTTP_REQUEST_TIMEOUT_MS: "3456" });
    const server = running.server as unknown as { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number; maxConnections: number };
    expect([server.keepAliveTimeout, server.headersTimeout, server.requestTimeout]).toEqual([1234, 2345, 3456]);
    expect(server.maxConnections).toBe(1024);
  });
});
