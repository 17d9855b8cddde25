/**
 * The chaos run at CI size: 500 requests from 20 clients through the real proxy process, on the embedded runtime
 * and on the fault-injecting upstream killed and restarted twice. Asserts correctness invariants only (no timings):
 * nothing hung, nothing lost, nothing malformed, nothing wrong, no slot left in use.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChaos, type ChaosReport } from "./chaos-run.js";
import { FIXTURE_REPOSITORY } from "../support/fixtures.js";
import { createRuntimeBackend, type RuntimeBackend } from "./runtime-backend.js";

let backend: RuntimeBackend;

beforeAll(async () => {
  backend = await createRuntimeBackend();
});
afterAll(async () => {
  await backend?.close();
});

function expectInvariants(report: ChaosReport) {
  const problems = `problems: ${JSON.stringify(report.load.problems, null, 1)}`;
  expect.soft(report.load.hung, `hung; ${problems}`).toBe(0);
  expect.soft(report.load.transportErrors, `lost; ${problems}`).toBe(0);
  expect.soft(report.load.malformed, `malformed; ${problems}`).toBe(0);
  expect.soft(report.load.wrong, `wrong; ${problems}`).toBe(0);
  expect.soft(report.slotsInUseAfter, "slots in use after the run").toBe(0);
  // The run must have exercised the success path, or "0 wrong" would prove nothing.
  expect.soft(report.load.ok, "right answers").toBeGreaterThan(report.load.total / 10);
}

describe("chaos at CI size", () => {
  it("embedded runtime: 500 requests, 20 clients", async () => {
    const report = await runChaos({
      upstream: "embedded",
      backend: backend.fetch,
      repository: FIXTURE_REPOSITORY,
      total: 500,
      concurrency: 20,
      restarts: 0,
      distinct: 60,
    });
    expectInvariants(report);
  });

  it("faulty upstream killed and restarted twice: 500 requests, 20 clients", async () => {
    const report = await runChaos({
      upstream: "faulty",
      backend: backend.fetch,
      repository: FIXTURE_REPOSITORY,
      total: 500,
      concurrency: 20,
      restarts: 2,
      distinct: 60,
      // Higher fault rates than the full run, so that 500 requests meet every kind.
      inferRates: { slow: 0.02, "malformed-json": 0.05, "truncated-binary": 0.05, "status-500": 0.05, reset: 0.03 },
    });
    expectInvariants(report);
    expect.soft(report.upstreamRestarts).toBe(2);
    for (const kind of ["slow", "malformed-json", "truncated-binary", "status-500", "reset"]) {
      expect(report.faultCounts?.[kind], kind).toBeGreaterThan(0);
    }
    // Faults must have shown as errors to clients, or the upstream was not really in the path.
    const errors = Object.entries(report.load.byStatus).filter(([status]) => Number(status) >= 500);
    expect(errors.length).toBeGreaterThan(0);
  });

  it("faulty upstream with JSON tensors (UPSTREAM_BINARY=false), restarted once: 300 requests, 20 clients", async () => {
    const report = await runChaos({
      upstream: "faulty",
      backend: backend.fetch,
      repository: FIXTURE_REPOSITORY,
      total: 300,
      concurrency: 20,
      restarts: 1,
      distinct: 60,
      inferRates: { slow: 0.02, "malformed-json": 0.05, "truncated-binary": 0.05, "status-500": 0.05, reset: 0.03 },
      proxyEnv: { UPSTREAM_BINARY: "false" },
    });
    expectInvariants(report);
    expect.soft(report.upstreamRestarts).toBe(1);
  });
});
