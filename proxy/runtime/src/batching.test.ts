/** The worker's batch scheduler on its own: jobs, a hand-stepped clock and timer, runs the test settles. */
import { describe, expect, it } from "vitest";
import { BatchScheduler, type ScheduledJob, type SchedulerClock } from "./batching.js";

/** A clock that moves when told, with the one timer the scheduler may hold. */
function handClock() {
  const state = { now: 0, timer: undefined as { callback: () => void; ms: number } | undefined };
  const clock: SchedulerClock = {
    now: () => state.now,
    setTimer: (callback, ms) => (state.timer = { callback, ms }),
    clearTimer: () => (state.timer = undefined),
  };
  const fire = () => {
    const timer = state.timer;
    state.timer = undefined;
    timer?.callback();
  };
  return { state, clock, fire };
}

/** Runs that the test ends: which jobs started, in which batch, and their signals. */
function runs() {
  const started: { job: ScheduledJob; signal: AbortSignal; finish: () => void }[] = [];
  const run = (job: ScheduledJob, signal: AbortSignal) =>
    new Promise<void>((resolve) => started.push({ job, signal, finish: resolve }));
  const finishAll = async () => {
    for (const s of started) s.finish();
    await new Promise<void>((resolve) => setImmediate(resolve)); // every promise reaction first
  };
  return { started, run, finishAll };
}

const job = (id: number, model = "embed", rows = 1): ScheduledJob => ({ id, model, rows });
const POLICY = { maxQueueDelayMs: 5, startRows: 4 };

describe("BatchScheduler", () => {
  it("starts a job at once from idle without a policy; those that come while it runs start together after it", async () => {
    const { clock } = handClock();
    const { started, run, finishAll } = runs();
    const scheduler = new BatchScheduler(new Map(), run, () => {}, clock);
    scheduler.add(job(1));
    expect(started.map((s) => s.job.id)).toEqual([1]);
    scheduler.add(job(2));
    scheduler.add(job(3, "bertscore"));
    expect(scheduler.counts).toEqual({ waiting: 2, running: 1 });
    await finishAll();
    expect(started.map((s) => s.job.id)).toEqual([1, 2, 3]);
    expect(scheduler.counts).toEqual({ waiting: 0, running: 2 });
  });

  it("holds the first job of a model with a policy for its queue delay, or until its start rows are there", () => {
    const { state, clock, fire } = handClock();
    const { started, run } = runs();
    const scheduler = new BatchScheduler(new Map([["embed", POLICY]]), run, () => {}, clock);
    scheduler.add(job(1));
    expect(started).toEqual([]);
    expect(state.timer?.ms).toBe(5);
    state.now = 2;
    fire();
    expect(started.map((s) => s.job.id)).toEqual([1]);

    const other = new BatchScheduler(new Map([["embed", POLICY]]), run, () => {}, clock);
    other.add(job(10, "embed", 1));
    other.add(job(11, "bertscore", 8)); // another model's rows do not count
    expect(started).toHaveLength(1);
    other.add(job(12, "embed", 3));
    expect(state.timer).toBeUndefined();
    expect(started.map((s) => s.job.id)).toEqual([1, 10, 11, 12]);
  });

  it("drops a waiting job that is cancelled, aborts a running one, and leaves the others alone", async () => {
    const { clock } = handClock();
    const { started, run, finishAll } = runs();
    const dropped: number[] = [];
    const scheduler = new BatchScheduler(new Map(), run, (j) => dropped.push(j.id), clock);
    scheduler.add(job(1));
    scheduler.add(job(2));
    scheduler.add(job(3));
    scheduler.cancel(2);
    scheduler.cancel(1);
    expect(dropped).toEqual([2]);
    expect(started[0]?.signal.aborted).toBe(true);
    await finishAll();
    expect(started.map((s) => [s.job.id, s.signal.aborted])).toEqual([
      [1, true],
      [3, false],
    ]);
  });

  it("stops: drops what waits, aborts what runs, settles once the runs have", async () => {
    const { clock } = handClock();
    const { started, run } = runs();
    const scheduler = new BatchScheduler(new Map(), run, () => {}, clock);
    scheduler.add(job(1));
    scheduler.add(job(2));
    let settled = false;
    const stopped = scheduler.stop().then(() => (settled = true));
    expect(started[0]?.signal.aborted).toBe(true);
    await Promise.resolve();
    expect(settled).toBe(false);
    started[0]?.finish();
    await stopped;
    expect(started.map((s) => s.job.id)).toEqual([1]);
  });
});
