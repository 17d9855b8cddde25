/**
 * Public /health only reports: its readiness probes are coalesced and cached, go over their own connections, and
 * never change which upstreams inference uses. The upstream is the embedded runtime behind real HTTP; a hanging
 * repository index (a fault a real server does not make on demand) is this fake's one addition.
 */
import type { RequestListener } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProxy, type RunningProxy } from "../../node/server.js";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startGatedUpstream, type GatedUpstream } from "@gpu-bridge/test-support/gated-upstream";
import { answerWith, readBody, writeAnswer } from "@gpu-bridge/test-support/node-to-fetch";
import { startRestartableServer, type RestartableServer } from "@gpu-bridge/test-support/restartable-server";
import { waitFor } from "@gpu-bridge/test-support/wait";

const KEY = { "x-api-key": "probe-key" };
const INDEX = "/v2/repository/index";

let runtime: RuntimeHandle;

beforeAll(async () => {
  runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
});

afterAll(async () => {
  await runtime?.close();
});

describe("a /health flood against an upstream whose index hangs", () => {
  let hanging: RestartableServer;
  let proxy: RunningProxy;
  let hangIndex = false;
  let indexRequests = 0;
  let indexPending = 0;

  beforeAll(async () => {
    const listener: RequestListener = (req, res) => {
      void (async () => {
        const body = await readBody(req);
        if (req.url === INDEX) indexRequests += 1;
        if (req.url === INDEX && hangIndex) {
          indexPending += 1;
          res.on("close", () => (indexPending -= 1));
          return; // never answers
        }
        writeAnswer(res, await answerWith(runtime.fetch, req, body));
      })().catch(() => res.destroy());
    };
    hanging = await startRestartableServer(listener);
    proxy = await startProxy({ ...FIXTURE_ENV, TRITON_URL: hanging.url, API_KEY: KEY["x-api-key"], PORT: "0" });
  });

  afterAll(async () => {
    await proxy?.close();
    await hanging?.stop();
  });

  const embed = () => fetch(`${proxy.url}/embed`, { ...postJson({ texts: ["probe"] }), headers: { "content-type": "application/json", ...KEY } });

  it("sends one probe however many ask, leaves inference its connections, and marks nothing down", async () => {
    expect((await embed()).status).toBe(200); // the catalogue is loaded: inference needs no index call now
    hangIndex = true;
    const before = indexRequests;
    const flood = Array.from({ length: 40 }, () => fetch(`${proxy.url}/health`));
    await waitFor(() => indexPending === 1, 5000, "the probe to reach the upstream");
    // while the probe hangs, authenticated inference is answered over the inference connections
    for (let i = 0; i < 3; i++) expect((await embed()).status).toBe(200);
    expect(indexPending).toBe(1);
    expect(indexRequests - before).toBe(1);
    const answers = await Promise.all(flood);
    expect(answers.map((r) => r.status)).toEqual(Array.from({ length: 40 }, () => 503));
    expect(indexRequests - before).toBe(1);
    // a failed probe is not a failed inference call: the upstream keeps taking calls
    expect(proxy.services.pool.upstreams[0]?.downUntil).toBe(0);
    expect((await embed()).status).toBe(200);
    hangIndex = false;
  });
});

describe("/health beside failover marks", () => {
  let first: GatedUpstream;
  let second: GatedUpstream;
  let proxy: RunningProxy;

  beforeAll(async () => {
    first = await startGatedUpstream(runtime.fetch);
    second = await startGatedUpstream(runtime.fetch);
    proxy = await startProxy({
      ...FIXTURE_ENV,
      TRITON_URL: `${first.url},${second.url}`,
      UPSTREAM_RETRY_MS: "600000",
      HEALTH_PROBE_CACHE_MS: "0",
      PORT: "0",
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await first?.stop();
    await second?.stop();
  });

  const embed = () => fetch(`${proxy.url}/embed`, postJson({ texts: ["mark"] }));
  const inferCalls = (upstream: GatedUpstream) => upstream.accessLog.filter((line) => line.endsWith("/infer")).length;

  it("never clears a down mark that an inference call set: the upstream waits out UPSTREAM_RETRY_MS", async () => {
    expect((await embed()).status).toBe(200);
    await first.stop();
    expect((await embed()).status).toBe(200); // failed over to the second
    const downUntil = proxy.services.pool.upstreams[0]?.downUntil ?? 0;
    expect(downUntil).toBeGreaterThan(Date.now());
    await first.start();
    const health = await fetch(`${proxy.url}/health`);
    expect(health.status).toBe(200);
    expect(first.accessLog.filter((line) => line.includes(INDEX)).length).toBeGreaterThan(0); // it was probed, ready
    expect(proxy.services.pool.upstreams[0]?.downUntil).toBe(downUntil);
    const before = inferCalls(first);
    for (let i = 0; i < 3; i++) expect((await embed()).status).toBe(200);
    expect(inferCalls(first)).toBe(before);
  });
});
