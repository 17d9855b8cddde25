/** The proxy on Node (undici pool) in front of an upstream that lies: see testing/hostile-upstream.suite.ts. */
import { afterAll, beforeAll, describe } from "vitest";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_ENV } from "@gpu-bridge/test-support/fixture-env";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { startHostileUpstream, type HostileUpstream } from "@gpu-bridge/test-support/hostile-upstream";
import { defineHostileUpstreamSuite } from "../../test/support/hostile-upstream.suite.js";
import { createNodeApp, type NodeApp } from "./server.js";

let handle: RuntimeHandle;
let hostile: HostileUpstream;
/** One app per configuration, as one proxy process each. */
const apps = new Map<string, Promise<NodeApp>>();

beforeAll(async () => {
  handle = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
  hostile = await startHostileUpstream(handle.fetch);
});

afterAll(async () => {
  for (const app of apps.values()) await (await app).close();
  await hostile?.stop();
  await handle?.close();
});

function appFor(env: Record<string, string>): Promise<NodeApp> {
  const key = JSON.stringify(env);
  let app = apps.get(key);
  if (!app) {
    app = createNodeApp({ ...FIXTURE_ENV, ...env }, { log: () => {} });
    apps.set(key, app);
  }
  return app;
}

describe("proxy on Node", () => {
  defineHostileUpstreamSuite(() => ({
    request: async (env, path, init) => (await appFor(env)).fetch(new Request(`http://127.0.0.1${path}`, init)),
    urlOf: (scenario) => hostile.urlOf(scenario),
    records: async () => hostile.records,
  }));
});
