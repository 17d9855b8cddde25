/// <reference types="@cloudflare/vitest-pool-workers/types" />
/** The Worker in real workerd (plain fetch) in front of an upstream that lies: see testing/hostile-upstream.suite.ts. */
import { env } from "cloudflare:test";
import { describe, inject } from "vitest";
import type { HostileRecord } from "@gpu-bridge/test-support/hostile-upstream";
import { defineHostileUpstreamSuite } from "../support/hostile-upstream.suite.js";
import worker from "../../src/workers/index.js";

const BASE = "https://proxy.example";

describe("proxy in workerd", () => {
  const hostileUrl = inject("hostileUrl");
  defineHostileUpstreamSuite(() => ({
    request: async (bindings, path, init) =>
      worker.fetch(new Request(`${BASE}${path}`, init), { ...(env as Record<string, unknown>), ...bindings }),
    urlOf: (scenario) => `${hostileUrl}/s/${scenario}`,
    // The hostile upstream runs in Node beside workerd; its log is read over HTTP.
    records: async () => ((await (await fetch(`${hostileUrl}/__log`)).json()) as { records: HostileRecord[] }).records,
  }));
});
