/** /health answers within its budget even when the upstream accepts connections and never answers. */
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../../node/server.js";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/api.suite";

let blackHole: Server;
const sockets = new Set<Socket>();
let proxy: RunningProxy;

beforeAll(async () => {
  blackHole = createServer((socket) => {
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  const { port } = blackHole.address() as AddressInfo;
  proxy = await startProxy({ ...FIXTURE_ENV, TRITON_URL: `http://127.0.0.1:${port}`, PORT: "0" });
});

afterAll(async () => {
  await proxy?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
});

describe("GET /health", () => {
  it("reports error within 5 s when the upstream never answers", async () => {
    const started = Date.now();
    const res = await fetch(`${proxy.url}/health`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "error", device: "cpu" });
  });
});
