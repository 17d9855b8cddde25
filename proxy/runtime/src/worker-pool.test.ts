/**
 * The inference workers on the committed test models: jobs spread over the workers, a caller that goes away drops
 * its job before it starts or stops it before its next encoder run, a worker that exits is started again.
 * Message order decides these cases (a worker reads a cancel before its next encoder run), never timing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { KServeError } from "@gpu-bridge/kserve/errors";
import type { RepositoryIndexEntry, Tensor } from "@gpu-bridge/kserve/types";
import { createWorkerRuntime, type WorkerRuntimeHandle } from "./index.js";
import { InferenceWorkers } from "./worker-pool.js";
import { bytes, floats, golden, infer, maxAbsDiff, type EmbedGoldens } from "@gpu-bridge/test-support/kserve-test-client";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";

/**
 * Texts of many lengths: the encoder runs them in several length-sorted sub-batches, one onnxruntime run each. As
 * many as embed's max_batch_size, so that a worker holds two such jobs (a running batch and the next).
 */
const MANY_LENGTHS = Array.from({ length: 64 }, (_, i) => "word ".repeat(1 + i * 3).trim());
const text = (texts: string[]): Tensor[] => [bytes("TEXT", texts)];

let runtime: WorkerRuntimeHandle;

beforeAll(async () => {
  runtime = await createWorkerRuntime({ repository: FIXTURE_REPOSITORY, workers: 1, log: () => {} });
});
afterAll(async () => {
  await runtime?.close();
});

const workers = () => runtime.workers;
const waitFor = (check: () => boolean, timeout: number, what: string) =>
  vi.waitFor(() => {
    if (!check()) throw new Error(`timed out waiting for ${what}`);
  }, { timeout, interval: 10 });
const idle = () => waitFor(() => workers().stats().workers.idle === 1, 30_000, "the worker to be idle");

describe("inference workers", () => {
  afterEach(idle);

  it("answers as the repository's models do, device_info from this thread", async () => {
    const { cases } = golden<EmbedGoldens>("embed");
    const out = await infer(runtime.fetch, "http://runtime", "embed", text(cases.map((c) => c.text)), { binary: true });
    const embedding = out.get("EMBEDDING");
    expect(embedding?.shape).toEqual([cases.length, 32]);
    const data = floats(embedding);
    cases.forEach((c, i) => expect(maxAbsDiff(data.slice(i * 32, (i + 1) * 32), c.embedding), c.text).toBeLessThanOrEqual(1e-5));
    const before = workers().stats().jobs.done;
    const device = await infer(runtime.fetch, "http://runtime", "device_info", [], { binary: false });
    expect(new TextDecoder().decode((device.get("DEVICE")?.data as Uint8Array[])[0])).toBe("cpu");
    expect(workers().stats().jobs.done).toBe(before);
  });

  it("runs requests that wait together as one batch, each answered as it is alone", async () => {
    const texts = ["short", "a somewhat longer text to embed", "a third one, of yet another length, with more words"];
    const alone: number[][] = [];
    for (const t of texts) alone.push(floats((await workers().infer("embed", text([t]), {}))[0]));
    const before = workers().stats().jobs.done;
    // the first starts a batch; the others wait behind it and run as the next one
    const together = await Promise.all([...texts, ...texts].map((t) => workers().infer("embed", text([t]), {})));
    together.forEach((outputs, i) => {
      expect(maxAbsDiff(floats(outputs[0]), alone[i % texts.length] as number[])).toBeLessThanOrEqual(1e-6);
    });
    expect(workers().stats().jobs.done - before).toBe(6);
  });

  it("drops a job whose caller goes away before a worker takes it, and answers the others", async () => {
    const before = workers().stats().jobs;
    const callers = [new AbortController(), new AbortController(), new AbortController()];
    // one worker holds two jobs: the third waits in the pool's queue
    const calls = callers.map((c) => workers().infer("embed", text(MANY_LENGTHS), {}, c.signal).then(() => "answered", (err: unknown) => err));
    expect(workers().stats().queued).toBe(1);
    callers[2]?.abort(new Error("caller gone"));
    expect(workers().stats().queued).toBe(0);
    expect(await calls[2]).toMatchObject({ message: "caller gone" });
    expect(await Promise.all(calls.slice(0, 2))).toEqual(["answered", "answered"]);
    const after = workers().stats().jobs;
    expect(after.dropped - before.dropped).toBe(1);
    expect(after.done - before.done).toBe(2);
  });

  it("drops a job that a worker holds but has not started", async () => {
    const before = workers().stats().jobs;
    const second = new AbortController();
    const first = workers().infer("embed", text(MANY_LENGTHS), {});
    const pending = workers().infer("embed", text(MANY_LENGTHS), {}, second.signal).catch((err: unknown) => err);
    expect(workers().stats().queued).toBe(0); // both went to the worker
    second.abort(new Error("caller gone"));
    expect(await pending).toMatchObject({ message: "caller gone" });
    await first;
    await waitFor(() => workers().stats().abandoned === 0, 30_000, "the worker to report the dropped job");
    const after = workers().stats().jobs;
    expect(after.dropped - before.dropped).toBe(1);
    expect(after.done - before.done).toBe(1);
    expect(after.cancelled).toBe(before.cancelled);
  });

  it("stops a running job before its next encoder run when its caller goes away", async () => {
    const before = workers().stats().jobs;
    const caller = new AbortController();
    const pending = workers().infer("embed", text(MANY_LENGTHS), {}, caller.signal).catch((err: unknown) => err);
    caller.abort(new Error("deadline"));
    // settled at once, while the worker still holds the job
    expect(await pending).toMatchObject({ message: "deadline" });
    expect(workers().stats().abandoned).toBe(1);
    await waitFor(() => workers().stats().abandoned === 0, 30_000, "the worker to stop the job");
    const after = workers().stats().jobs;
    expect(after.cancelled - before.cancelled).toBe(1);
    expect(after.finishedUnwanted).toBe(before.finishedUnwanted);
    expect(after.done).toBe(before.done);
  });

  it("starts a worker that exited again; meanwhile calls fail at once as unavailable and the index says so", async () => {
    const restarts = workers().stats().restarts;
    const [thread] = workers().threads;
    // an idle worker: a thread stopped inside an onnxruntime run would end the process
    await thread?.terminate();
    expect(workers().ready).toBe(false);
    const refused = await workers().infer("embed", text(["while restarting"]), {}).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(KServeError);
    expect((refused as KServeError).status).toBe(503);
    const index = (await (await runtime.fetch(new Request("http://runtime/v2/repository/index", { method: "POST", body: "{}" }))).json()) as RepositoryIndexEntry[];
    expect(index.find((e) => e.name === "embed")).toMatchObject({ state: "UNAVAILABLE" });
    expect((await runtime.fetch(new Request("http://runtime/v2/health/ready"))).status).toBe(400);

    await waitFor(() => workers().ready, 30_000, "the worker to be started again");
    expect(workers().stats().restarts).toBe(restarts + 1);
    const out = await infer(runtime.fetch, "http://runtime", "embed", text(["back"]), { binary: true });
    expect(floats(out.get("EMBEDDING"))).toHaveLength(32);
  });
});

describe("starting and closing", () => {
  it("spreads jobs over several workers", async () => {
    const two = await InferenceWorkers.start({ repository: FIXTURE_REPOSITORY, workers: 2, log: () => {} });
    try {
      const calls = [1, 2, 3, 4].map(() => two.infer("embed", text(MANY_LENGTHS), {}));
      expect(two.stats().workers.busy).toBe(2);
      await Promise.all(calls);
      expect(two.stats().jobs.done).toBe(4);
    } finally {
      await two.close();
    }
  });

  it("fails to start with the missing files named, and refuses calls once closed", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "empty-repository-"));
    try {
      await expect(InferenceWorkers.start({ repository: empty, log: () => {} })).rejects.toMatchObject({
        name: "MissingModelFilesError",
        message: expect.stringContaining("npm run setup") as string,
      });
    } finally {
      await rm(empty, { recursive: true });
    }
    const pool = await InferenceWorkers.start({ repository: FIXTURE_REPOSITORY, log: () => {} });
    const held = [1, 2, 3].map(() => pool.infer("embed", text(MANY_LENGTHS), {}).then(() => "answered", (err: unknown) => err));
    await pool.close();
    const results = await Promise.all(held);
    // what the worker had not finished, and what still waited, is refused; nothing is left hanging
    expect(results.filter((r) => r instanceof KServeError && r.status === 503).length).toBeGreaterThanOrEqual(1);
    await expect(pool.infer("embed", text(["closed"]), {})).rejects.toMatchObject({ status: 503 });
  });
});
