/**
 * Starts the embedded runtime's standalone KServe v2 server on loopback as the workerd suite's Triton, and a
 * hostile upstream in front of it.
 */
import type { TestProject } from "vitest/node";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { forwardTo, startHostileUpstream } from "@gpu-bridge/test-support/hostile-upstream";
import { startRuntimeProcess } from "@gpu-bridge/test-support/runtime-process";

declare module "vitest" {
  export interface ProvidedContext {
    tritonUrl: string;
    hostileUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runtime = await startRuntimeProcess(FIXTURE_REPOSITORY);
  project.provide("tritonUrl", runtime.url);
  // The same runtime behind an upstream that lies (hostile-upstream.test.ts).
  const hostile = await startHostileUpstream(forwardTo(runtime.url));
  project.provide("hostileUrl", hostile.url);
  return async () => {
    await hostile.stop();
    await runtime.stop();
  };
}
