import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "./limiter.js";

const limiter = (maxRequests: number, queueTimeoutMs: number, maxTexts = 1000) =>
  new ConcurrencyLimiter({ maxRequests, maxTexts, queueTimeoutMs });

describe("ConcurrencyLimiter: requests (GPU_MAX_CONCURRENT)", () => {
  it("grants up to max slots, refuses the next at once without a queue, and frees on release", async () => {
    const l = limiter(2, 0);
    const a = await l.acquire();
    const b = await l.acquire();
    expect(a && b).toBeTruthy();
    expect(await l.acquire()).toBeNull();
    a?.();
    a?.(); // idempotent
    expect(l.inFlight).toBe(1);
    expect(await l.acquire()).not.toBeNull();
  });

  it("hands a released slot to the first waiter, in order", async () => {
    const l = limiter(1, 10_000);
    const first = await l.acquire();
    const order: string[] = [];
    const w1 = l.acquire().then((r) => (order.push("w1"), r));
    const w2 = l.acquire().then((r) => (order.push("w2"), r));
    expect(l.queued).toBe(2);
    first?.();
    (await w1)?.();
    (await w2)?.();
    expect(order).toEqual(["w1", "w2"]);
    expect(l.inFlight).toBe(0);
  });

  it("refuses at once, without queueing, when there is no queue or the caller has already gone", async () => {
    const noQueue = limiter(1, 0);
    await noQueue.acquire();
    const refused = noQueue.acquire();
    expect(noQueue.queued).toBe(0);
    expect(await refused).toBeNull();
    const queue = limiter(1, 10_000);
    await queue.acquire();
    const gone = queue.acquire(1, AbortSignal.abort());
    expect(queue.queued).toBe(0);
    expect(await gone).toBeNull();
  });

  it("gives up after the queue timeout and when the waiter's signal aborts", async () => {
    const l = limiter(1, 30);
    const held = await l.acquire();
    expect(await l.acquire()).toBeNull();
    const slow = limiter(1, 10_000);
    await slow.acquire();
    const controller = new AbortController();
    const waiting = slow.acquire(1, controller.signal);
    controller.abort();
    expect(await waiting).toBeNull();
    expect(slow.queued).toBe(0);
    held?.();
    expect(l.inFlight).toBe(0);
  });
});

describe("ConcurrencyLimiter: texts in flight", () => {
  it("admits 32 one-text requests at once under a budget of 64 texts, without a request bound", async () => {
    const l = new ConcurrencyLimiter({ maxTexts: 64, maxRequests: Infinity, queueTimeoutMs: 0 });
    const releases = await Promise.all(Array.from({ length: 32 }, () => l.acquire(1)));
    expect(releases.every((r) => r !== null)).toBe(true);
    expect(l.inFlight).toBe(32);
    expect(l.textsInFlight).toBe(32);
    expect(l.available).toBe(32);
    expect(l.max).toBe(64);
  });

  it("makes a request wait until its texts fit, and refuses it after the queue timeout", async () => {
    const l = new ConcurrencyLimiter({ maxTexts: 10, maxRequests: Infinity, queueTimeoutMs: 10_000 });
    const a = await l.acquire(8);
    const b = l.acquire(5);
    expect(l.queued).toBe(1);
    expect(l.available).toBe(0);
    a?.();
    const granted = await b;
    expect(granted).not.toBeNull();
    expect(l.textsInFlight).toBe(5);
    granted?.();
    const short = new ConcurrencyLimiter({ maxTexts: 10, maxRequests: Infinity, queueTimeoutMs: 20 });
    const held = await short.acquire(10);
    expect(await short.acquire(1)).toBeNull();
    held?.();
    expect(short.textsInFlight).toBe(0);
  });

  it("runs a request larger than the whole budget, alone, instead of never", async () => {
    const l = new ConcurrencyLimiter({ maxTexts: 10, maxRequests: Infinity, queueTimeoutMs: 10_000 });
    const small = await l.acquire(1);
    const big = l.acquire(500);
    const after = l.acquire(1);
    expect(l.queued).toBe(2);
    small?.();
    const bigRelease = await big;
    expect(bigRelease).not.toBeNull();
    expect(l.inFlight).toBe(1);
    expect(l.queued).toBe(1); // first come, first served: the one-text request waits behind it
    bigRelease?.();
    (await after)?.();
    expect(l.inFlight).toBe(0);
    expect(l.textsInFlight).toBe(0);
  });

  it("admits every waiter that fits when one release frees room for several, in order, and stops at the first that does not", async () => {
    const l = new ConcurrencyLimiter({ maxTexts: 4, maxRequests: Infinity, queueTimeoutMs: 10_000 });
    const held = await l.acquire(4);
    const order: string[] = [];
    const waiters = (["w1", "w2", "w3"] as const).map((name) => l.acquire(1).then((r) => (order.push(name), r)));
    const big = l.acquire(2);
    const small = l.acquire(1);
    expect(l.queued).toBe(5);
    held?.();
    // the one release lets in the three one-text waiters; the two-text one does not fit beside them, and the
    // one-text request behind it does not overtake it
    expect(l.textsInFlight).toBe(3);
    expect(l.inFlight).toBe(3);
    expect(l.queued).toBe(2);
    const granted = await Promise.all(waiters);
    expect(order).toEqual(["w1", "w2", "w3"]);
    expect(granted.every((r) => r !== null)).toBe(true);
    granted[0]?.();
    expect(l.textsInFlight).toBe(4); // the two-text waiter fits now; the one-text one behind it does not
    expect(l.queued).toBe(1);
    granted[1]?.();
    expect(l.textsInFlight).toBe(4);
    expect(l.queued).toBe(0);
    const rest = [granted[2], await big, await small];
    expect(rest.every((r) => r !== null)).toBe(true);
    for (const release of rest) release?.();
    expect(l.textsInFlight).toBe(0);
  });

  it("lets those behind a waiter in when it leaves the head of the queue", async () => {
    const l = new ConcurrencyLimiter({ maxTexts: 10, maxRequests: Infinity, queueTimeoutMs: 10_000 });
    const held = await l.acquire(6);
    const controller = new AbortController();
    const big = l.acquire(10, controller.signal);
    const small = l.acquire(4);
    controller.abort();
    expect(await big).toBeNull();
    const granted = await small;
    expect(granted).not.toBeNull();
    expect(l.textsInFlight).toBe(10);
    held?.();
    granted?.();
  });

  it("bounds requests by GPU_MAX_CONCURRENT and texts by the budget, whichever binds first", async () => {
    const l = new ConcurrencyLimiter({ maxTexts: 64, maxRequests: 2, queueTimeoutMs: 0 });
    expect(l.max).toBe(2);
    const a = await l.acquire(1);
    const b = await l.acquire(1);
    expect(await l.acquire(1)).toBeNull();
    expect(l.available).toBe(0);
    a?.();
    b?.();
  });
});

describe("ConcurrencyLimiter: a lane for small requests (GPU_RESERVED_TEXTS)", () => {
  const lanes = (queueTimeoutMs = 10_000) => new ConcurrencyLimiter({ maxTexts: 128, maxRequests: Infinity, queueTimeoutMs, reservedTexts: 16 });

  it("keeps the last texts for small requests: 100-text requests take at most 112, one-text ones get the rest at once", async () => {
    const l = lanes(0);
    const large = await l.acquire(100);
    expect(large).not.toBeNull();
    expect(await l.acquire(100), "a second large request does not fit in the rest").toBeNull();
    expect(await l.acquire(17), "17 texts are not small").toBeNull();
    expect(l.available).toBe(28);
    const small = await Promise.all(Array.from({ length: 10 }, () => l.acquire(1)));
    expect(small.every((r) => r !== null)).toBe(true);
    expect(l.textsInFlight).toBe(110);
  });

  it("never queues a small request behind a large one, and keeps each lane in order", async () => {
    const l = lanes();
    const held = await l.acquire(100);
    const order: string[] = [];
    const large = [l.acquire(100).then((r) => (order.push("large 1"), r)), l.acquire(50).then((r) => (order.push("large 2"), r))];
    expect(l.queued).toBe(2);
    const small = await l.acquire(1);
    expect(small, "admitted past the large ones waiting").not.toBeNull();
    expect(l.available).toBe(27);
    held?.();
    (await large[0])?.();
    (await large[1])?.();
    small?.();
    expect(order).toEqual(["large 1", "large 2"]);
    expect(l.textsInFlight).toBe(0);
  });

  it("counts a request larger than the rest of the budget as the rest: it runs alone among large ones", async () => {
    const l = lanes();
    const huge = await l.acquire(1000);
    expect(l.textsInFlight).toBe(112);
    expect(await lanes(0).acquire(1000)).not.toBeNull();
    const small = await l.acquire(16);
    expect(small).not.toBeNull();
    huge?.();
    small?.();
  });

  it("keeps at least one text outside the reserve", () => {
    const l = new ConcurrencyLimiter({ maxTexts: 4, maxRequests: Infinity, queueTimeoutMs: 0, reservedTexts: 16 });
    expect(l.reservedTexts).toBe(3);
  });
});

