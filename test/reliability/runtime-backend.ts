/**
 * The embedded runtime in this process, as a KServe v2 fetch function: it backs the fault-injecting upstream and
 * gives the expected answers the proxy's answers are checked against.
 */
import { createRuntimeFetch } from "@gpu-bridge/runtime";
import type { RepositoryIndexEntry } from "@gpu-bridge/kserve/types";
import type { KServeFetch } from "./fault-upstream.js";
import { FIXTURE_REPOSITORY } from "../support/fixtures.js";

export interface RuntimeBackend {
  fetch: KServeFetch;
  /** Names of the models in the repository index. */
  index(): Promise<string[]>;
  close(): Promise<void>;
}

export async function createRuntimeBackend(repository = FIXTURE_REPOSITORY): Promise<RuntimeBackend> {
  const runtime = await createRuntimeFetch({ repository });
  const fetch: KServeFetch = (request) => runtime.fetch(request);
  return {
    fetch,
    async index() {
      const response = await fetch(new Request("http://runtime/v2/repository/index", { method: "POST", body: "{}" }));
      const entries = (await response.json()) as RepositoryIndexEntry[];
      return entries.map((entry) => entry.name);
    },
    async close() {
      await runtime.close();
    },
  };
}
