/** Hostile requests on Node (the app in process, as @hono/node-server hands it requests): request-limits.suite.ts. */
import { afterAll, describe } from "vitest";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/fixture-env";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { defineRequestLimitsSuite } from "../../test/support/request-limits.suite.js";
import { createNodeApp, type NodeApp } from "./server.js";

const ORIGIN = "http://127.0.0.1:8765";
/** One app per configuration, as one proxy process each. */
const apps = new Map<string, Promise<NodeApp>>();

function appFor(env: Record<string, string>): Promise<NodeApp> {
  const key = JSON.stringify(env);
  let app = apps.get(key);
  if (!app) {
    app = createNodeApp({ ...FIXTURE_ENV, MAX_BODY_BYTES: "", MODEL_REPOSITORY: FIXTURE_REPOSITORY, ...env }, { log: () => {} });
    apps.set(key, app);
  }
  return app;
}

afterAll(async () => {
  for (const app of apps.values()) await (await app).close();
});

describe("proxy on Node", () => {
  defineRequestLimitsSuite(() => ({
    request: async (env, url, init) => (await appFor(env)).fetch(new Request(new URL(url, ORIGIN), init)),
    origin: ORIGIN,
    localHostsByDefault: true,
  }));
});
