/**
 * The fault-injecting upstream does what the chaos run relies on: faithful KServe v2 answers when no fault is
 * drawn, each fault kind visible on the wire (as the proxy's own KServe client sees it), kill and restart on the
 * same port, and an access log of raw request targets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KServeClient } from "@gpu-bridge/kserve/client";
import { UpstreamError, type UpstreamErrorKind } from "@gpu-bridge/kserve/inference";
import { EMBED_TENSORS } from "@gpu-bridge/contract/model-contract";
import type { Tensor } from "@gpu-bridge/kserve/types";
import { startFaultUpstream, type FaultKind, type FaultUpstream } from "./fault-upstream.js";
import { createRuntimeBackend, type RuntimeBackend } from "./runtime-backend.js";

const TIMEOUT_MS = 300;
const text = (value: string): Tensor => ({
  name: EMBED_TENSORS.text,
  datatype: "BYTES",
  shape: [1, 1],
  data: [new TextEncoder().encode(value)],
});

let backend: RuntimeBackend;
let upstream: FaultUpstream;

beforeAll(async () => {
  backend = await createRuntimeBackend();
  upstream = await startFaultUpstream({ backend: backend.fetch, slowMs: TIMEOUT_MS * 3 });
});
afterAll(async () => {
  await upstream?.close();
  await backend?.close();
});

const kserveClient = () => new KServeClient({ baseUrl: upstream.url, fetch: (url, init) => fetch(url, init), timeoutMs: TIMEOUT_MS });

const infer = (binary = true) =>
  kserveClient().infer("embed", [text("hello world")], { outputs: [EMBED_TENSORS.embedding], binary });

async function failureKind(call: () => Promise<unknown>): Promise<UpstreamErrorKind | "none"> {
  try {
    await call();
    return "none";
  } catch (error) {
    if (error instanceof UpstreamError) return error.kind;
    throw error;
  }
}

describe("fault-injecting upstream", () => {
  it("answers like the runtime when no fault is drawn, in JSON and binary", async () => {
    upstream.setRates({}, {});
    const response = await backend.fetch(
      new Request("http://runtime/v2/models/embed/infer", {
        method: "POST",
        body: JSON.stringify({ inputs: [{ name: EMBED_TENSORS.text, datatype: "BYTES", shape: [1, 1], data: ["hello world"] }] }),
      }),
    );
    const direct = ((await response.json()) as { outputs: { data: number[] }[] }).outputs[0]?.data ?? [];
    const binary = Array.from((await infer(true)).get(EMBED_TENSORS.embedding)?.data as Float32Array);
    const json = Array.from((await infer(false)).get(EMBED_TENSORS.embedding)?.data as Float32Array);
    expect(direct.length).toBeGreaterThan(0);
    expect(binary).toEqual(direct);
    expect(json).toEqual(direct);
  });

  const expectedKinds: Record<FaultKind, UpstreamErrorKind[]> = {
    slow: ["timeout"],
    "status-500": ["bad_response"],
    "malformed-json": ["bad_response"],
    "truncated-binary": ["bad_response", "unreachable"],
    reset: ["unreachable"],
  };
  for (const [fault, kinds] of Object.entries(expectedKinds) as [FaultKind, UpstreamErrorKind[]][]) {
    it(`${fault} reaches the client as ${kinds.join(" or ")}`, async () => {
      upstream.setRates({ [fault]: 1 }, {});
      const before = upstream.faultCounts[fault];
      for (let i = 0; i < 4; i += 1) {
        expect(kinds).toContain(await failureKind(() => infer()));
      }
      expect(upstream.faultCounts[fault]).toBe(before + 4);
      upstream.setRates({}, {});
    });
  }

  it("metadata routes get their own fault rates", async () => {
    upstream.setRates({}, { "status-500": 1 });
    const kserve = kserveClient();
    expect(await failureKind(() => kserve.repositoryIndex())).toBe("bad_response");
    expect(await failureKind(() => infer())).toBe("none");
    upstream.setRates({}, {});
    expect(await failureKind(() => kserve.repositoryIndex())).toBe("none");
  });

  it("is unreachable while killed and answers again on the same port after a restart", async () => {
    const port = upstream.port;
    await upstream.kill();
    expect(await failureKind(() => infer())).toBe("unreachable");
    await upstream.restart();
    expect(upstream.port).toBe(port);
    expect(await failureKind(() => infer())).toBe("none");
  });

  it("logs raw request targets, undecoded", async () => {
    await fetch(`${upstream.url}/v2/models/%2e%2e%2fembed/config`);
    expect(upstream.accessLog.at(-1)?.rawPath).toBe("/v2/models/%2e%2e%2fembed/config");
  });
});
