/// <reference types="@cloudflare/vitest-pool-workers/types" />
/** Hostile requests to the Worker in real workerd: see testing/request-limits.suite.ts. */
import { env } from "cloudflare:test";
import { describe } from "vitest";
import { defineRequestLimitsSuite } from "../support/request-limits.suite.js";
import worker from "../../src/workers/index.js";

const ORIGIN = "https://proxy.example";

describe("proxy in workerd", () => {
  defineRequestLimitsSuite(() => ({
    request: async (bindings, url, init) =>
      worker.fetch(new Request(new URL(url, ORIGIN), init), { ...(env as Record<string, unknown>), MAX_BODY_BYTES: "", ...bindings }),
    origin: ORIGIN,
    localHostsByDefault: false,
  }));
});
