/** Starts the embedded runtime's standalone KServe v2 server on loopback as the workerd suite's Triton. */
import type { TestProject } from "vitest/node";
import { FIXTURE_REPOSITORY } from "../testing/fixtures.js";
import { startRuntimeProcess } from "../testing/runtime-process.js";

declare module "vitest" {
  export interface ProvidedContext {
    tritonUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runtime = await startRuntimeProcess(FIXTURE_REPOSITORY);
  project.provide("tritonUrl", runtime.url);
  return () => runtime.stop();
}
