/**
 * The proxy on the embedded runtime while the runtime is saturated: inference runs in worker threads, so the HTTP
 * event loop keeps answering, the queue timeout and the upstream deadline are kept, and a request whose caller goes
 * away frees its slot at once. Large requests run on the real all-MiniLM-L6-v2 (`npm run setup`); each proof is an
 * order of events (an answer that arrives while a given inference is still running), not a duration.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inference } from "@gpu-bridge/kserve/inference";
import { DEFAULT_MODEL_REPOSITORY } from "@gpu-bridge/runtime";
import { requirePrerequisites } from "@gpu-bridge/test-support/prerequisites";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { passingInference } from "@gpu-bridge/test-support/passing-inference";
import { metricValue, waitFor } from "@gpu-bridge/test-support/wait";
import { startProxy, type RunningProxy } from "./server.js";

const MINILM_FILES = [`${DEFAULT_MODEL_REPOSITORY}/all-MiniLM-L6-v2/1/model.onnx`, `${DEFAULT_MODEL_REPOSITORY}/embed/config.pbtxt`];
const missing = MINILM_FILES.filter((f) => !existsSync(f));
requirePrerequisites(missing);

const API_KEY = "saturation-test-key";
const QUEUE_TIMEOUT_MS = 500;
const DEADLINE_MS = 1500;
/** Bounds that are the behaviour itself get this much slack for a busy machine; the proofs are the orderings. */
const SLACK_MS = 2000;
const WORDS = "the quick brown fox jumps over a lazy dog while seven cats sleep near the warm fire".split(" ");

/**
 * 64 texts (embed's max_batch_size: one inference) of 200 to 250 words, cut at 256 tokens: several seconds of
 * work for a worker with one intra-op thread (RUNTIME_INTRA_OP_THREADS=1, so that a machine with many cores is not
 * done before the test has looked).
 */
function largeTexts(seed: number): string[] {
  return Array.from({ length: 64 }, (_, i) =>
    Array.from({ length: 200 + ((i * 37 + seed) % 50) }, (_, w) => WORDS[(w * 7 + i + seed) % WORDS.length]).join(" "),
  );
}
const ONE_THREAD = { RUNTIME_INTRA_OP_THREADS: "1" };

const withKey = { "x-api-key": API_KEY };

async function inFlight(proxy: RunningProxy): Promise<number | undefined> {
  const res = await fetch(`${proxy.url}/metrics`, { headers: withKey });
  return metricValue(await res.text(), "gpu_bridge_upstream_in_flight");
}

/**
 * Records, when an inference call fails (the slot is released later in the same turn of the event loop), how many
 * jobs the runtime's workers still hold for callers that have gone: the proof that the slot was freed before the
 * worker was done with the inference.
 */
function recordEndings(proxy: () => RunningProxy | undefined, endings: number[]) {
  return (inference: Inference): Inference =>
    passingInference(inference, {
      infer: async (model, inputs, options) => {
        try {
          return await inference.infer(model, inputs, options);
        } catch (err) {
          endings.push(proxy()?.runtime?.stats().abandoned ?? -1);
          throw err;
        }
      },
    });
}

/** A request and whether it has settled yet. */
function tracked(response: Promise<Response>) {
  const state = { settled: false, response: response.finally(() => (state.settled = true)) };
  return state;
}

const runtimeOf = (proxy: RunningProxy) => {
  if (!proxy.runtime) throw new Error("the proxy does not run the embedded runtime");
  return proxy.runtime;
};

describe("a saturated embedded runtime", () => {
  let proxy: RunningProxy;
  const endings: number[] = [];

  beforeAll(async () => {
    proxy = await startProxy(
      // two requests of 64 texts in flight: bounded by GPU_MAX_CONCURRENT, not by the texts (no lane kept for small
      // requests, which would leave the large ones 112 of the 128)
      {
        ...ONE_THREAD,
        API_KEY,
        GPU_MAX_CONCURRENT: "2",
        GPU_MAX_TEXTS_IN_FLIGHT: "128",
        GPU_RESERVED_TEXTS: "0",
        GPU_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
        LOG_REQUESTS: "false",
        PORT: "0",
      },
      { wrapInference: recordEndings(() => proxy, endings) },
    );
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("answers /health, /metrics, 401, 413 and a 503 after the queue timeout while inference runs; callers that leave free their slots at once", async () => {
    const runtime = runtimeOf(proxy);
    const embed = (texts: string[], signal?: AbortSignal) =>
      fetch(`${proxy.url}/embed`, { ...postJson({ texts }, withKey), ...(signal ? { signal } : {}) });
    const firstCaller = new AbortController();
    const secondCaller = new AbortController();
    const first = tracked(embed(largeTexts(1), firstCaller.signal).catch((err: unknown) => err as Response));
    await waitFor(() => runtime.stats().workers.busy === 1, 30_000, "the worker to take the first request");
    const second = tracked(embed(largeTexts(2), secondCaller.signal).catch((err: unknown) => err as Response));
    await waitFor(async () => (await inFlight(proxy)) === 2, 30_000, "both slots to be taken");
    const jobsBefore = runtime.stats().jobs;

    const health = await fetch(`${proxy.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", device: "cpu" });
    expect(await inFlight(proxy)).toBe(2);
    expect((await fetch(`${proxy.url}/embed`, postJson({ texts: ["no key"] }))).status).toBe(401);
    expect((await embed(Array.from({ length: 101 }, () => "too many"))).status).toBe(413);

    const started = Date.now();
    const busy = await embed(["one more"]);
    const waited = Date.now() - started;
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("5");
    expect(((await busy.json()) as { code: string }).code).toBe("busy");
    expect(waited).toBeGreaterThanOrEqual(QUEUE_TIMEOUT_MS - 20);
    expect(waited).toBeLessThan(QUEUE_TIMEOUT_MS + SLACK_MS);

    // all of that was answered while the first inference ran and the second waited behind it
    expect(runtime.stats().jobs).toEqual(jobsBefore);
    expect(first.settled || second.settled).toBe(false);

    // the second caller leaves before its inference started: the slot is freed while the worker still holds the
    // job, and the worker drops it
    secondCaller.abort();
    await waitFor(() => endings.length === 1, 30_000, "the second upstream call to end");
    expect(endings[0]).toBe(1);
    await waitFor(async () => (await inFlight(proxy)) === 1, 30_000, "the second slot to be free");
    await waitFor(() => runtime.stats().abandoned === 0, 30_000, "the worker to drop the second job");
    expect(runtime.stats().jobs.dropped).toBe(jobsBefore.dropped + 1);
    expect(first.settled).toBe(false);

    // the first leaves while its inference runs: the slot is freed while the worker still holds it, and the
    // worker stops before its next encoder run (or throws away the answer of the run it was in)
    firstCaller.abort();
    await waitFor(() => endings.length === 2, 30_000, "the first upstream call to end");
    expect(endings[1]).toBe(1);
    await waitFor(async () => (await inFlight(proxy)) === 0, 30_000, "the first slot to be free");
    await waitFor(() => runtime.stats().abandoned === 0, 60_000, "the worker to be done with the first job");
    const jobsAfter = runtime.stats().jobs;
    expect(jobsAfter.cancelled + jobsAfter.finishedUnwanted).toBe(jobsBefore.cancelled + jobsBefore.finishedUnwanted + 1);
    expect(jobsAfter.done).toBe(jobsBefore.done);

    expect((await embed(["after"])).status).toBe(200);
    expect(await inFlight(proxy)).toBe(0);
  }, 180_000);
});

describe("the upstream deadline on the embedded runtime", () => {
  let proxy: RunningProxy;
  const endings: number[] = [];

  beforeAll(async () => {
    proxy = await startProxy(
      { ...ONE_THREAD, UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS), LOG_REQUESTS: "false", PORT: "0" },
      { wrapInference: recordEndings(() => proxy, endings) },
    );
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("answers 504 at the deadline while the inference still runs, frees the slot at once, and the worker drops the rest", async () => {
    const runtime = runtimeOf(proxy);
    expect((await fetch(`${proxy.url}/embed`, postJson({ texts: ["warm"] }))).status).toBe(200);
    const jobsBefore = runtime.stats().jobs;
    const started = Date.now();
    const res = await fetch(`${proxy.url}/embed`, postJson({ texts: largeTexts(3) }));
    const elapsed = Date.now() - started;
    expect(res.status).toBe(504);
    expect(((await res.json()) as { code: string }).code).toBe("upstream_timeout");
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 20);
    expect(elapsed).toBeLessThan(DEADLINE_MS + SLACK_MS);
    // the slot was freed while the worker still held the inference
    expect(endings).toEqual([1]);
    expect(metricValue(await (await fetch(`${proxy.url}/metrics`)).text(), "gpu_bridge_upstream_in_flight")).toBe(0);

    await waitFor(() => runtime.stats().abandoned === 0, 60_000, "the worker to be done with the job");
    const jobsAfter = runtime.stats().jobs;
    expect(jobsAfter.cancelled + jobsAfter.finishedUnwanted).toBe(jobsBefore.cancelled + jobsBefore.finishedUnwanted + 1);
    expect(jobsAfter.done).toBe(jobsBefore.done);
    expect((await fetch(`${proxy.url}/embed`, postJson({ texts: ["after the deadline"] }))).status).toBe(200);
  }, 120_000);
});

describe("a worker that exits", () => {
  let proxy: RunningProxy;

  beforeAll(async () => {
    proxy = await startProxy({ ...FIXTURE_ENV, MODEL_REPOSITORY: FIXTURE_REPOSITORY, PORT: "0" });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("gets 503 until the runtime has started it again, then serves, without a slot left taken", async () => {
    const runtime = runtimeOf(proxy);
    const embed = () => fetch(`${proxy.url}/embed`, postJson({ texts: ["still there?"] }));
    expect((await embed()).status).toBe(200);
    const [thread] = runtime.threads;
    // idle: a thread stopped inside an onnxruntime run would end the process (onnxruntime-node)
    await thread?.terminate();

    const refused = await embed();
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { code: string }).code).toBe("upstream_unavailable");
    const health = await fetch(`${proxy.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "error" });
    expect(metricValue(await (await fetch(`${proxy.url}/metrics`)).text(), "gpu_bridge_upstream_in_flight")).toBe(0);

    await waitFor(async () => (await fetch(`${proxy.url}/health`)).status === 200, 30_000, "the runtime to be ready again");
    expect((await embed()).status).toBe(200);
    expect(runtime.stats().restarts).toBe(1);
    expect(metricValue(await (await fetch(`${proxy.url}/metrics`)).text(), "gpu_bridge_upstream_in_flight")).toBe(0);
  }, 60_000);
});
