/**
 * A test file's proxy in front of a gated upstream (gated-upstream.ts) over the embedded runtime on the fixture
 * repository: started before the file's tests, stopped after them. The proxy is the caller's, started from the
 * upstream's URL, so that each file sets its own limits.
 */
import { afterAll, beforeAll } from "vitest";
import { createRuntimeFetch, type RuntimeHandle } from "@gpu-bridge/runtime";
import { FIXTURE_REPOSITORY } from "./fixtures.js";
import { startGatedUpstream, type GatedUpstream } from "./gated-upstream.js";

export interface GatedProxy<P> {
  readonly proxy: P;
  readonly upstream: GatedUpstream;
}

/** Registers the beforeAll that starts the three and the afterAll that stops them; read the two inside tests. */
export function useGatedProxy<P extends { close(): Promise<void> }>(startProxy: (tritonUrl: string) => Promise<P>): GatedProxy<P> {
  let runtime: RuntimeHandle | undefined;
  let upstream: GatedUpstream | undefined;
  let proxy: P | undefined;

  beforeAll(async () => {
    runtime = await createRuntimeFetch({ repository: FIXTURE_REPOSITORY });
    upstream = await startGatedUpstream(runtime.fetch);
    proxy = await startProxy(upstream.url);
  });

  afterAll(async () => {
    upstream?.open(); // a request held at the gate would keep the proxy from closing
    await proxy?.close();
    await upstream?.stop();
    await runtime?.close();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} starts in beforeAll: read it inside a test or hook`);
    return value;
  };
  return {
    get proxy() {
      return started(proxy, "the proxy");
    },
    get upstream() {
      return started(upstream, "the gated upstream");
    },
  };
}
