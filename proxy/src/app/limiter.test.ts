import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "./limiter.js";

describe("ConcurrencyLimiter", () => {
  it("grants up to max slots, refuses the next at once without a queue, and frees on release", async () => {
    const limiter = new ConcurrencyLimiter(2, 0);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    expect(a && b).toBeTruthy();
    expect(await limiter.acquire()).toBeNull();
    a?.();
    a?.(); // idempotent
    expect(limiter.inFlight).toBe(1);
    expect(await limiter.acquire()).not.toBeNull();
  });

  it("hands a released slot to the first waiter, in order", async () => {
    const limiter = new ConcurrencyLimiter(1, 10_000);
    const first = await limiter.acquire();
    const order: string[] = [];
    const w1 = limiter.acquire().then((r) => (order.push("w1"), r));
    const w2 = limiter.acquire().then((r) => (order.push("w2"), r));
    expect(limiter.queued).toBe(2);
    first?.();
    (await w1)?.();
    (await w2)?.();
    expect(order).toEqual(["w1", "w2"]);
    expect(limiter.inFlight).toBe(0);
  });

  it("gives up after the queue timeout and when the waiter's signal aborts", async () => {
    const limiter = new ConcurrencyLimiter(1, 30);
    const held = await limiter.acquire();
    expect(await limiter.acquire()).toBeNull();
    const slow = new ConcurrencyLimiter(1, 10_000);
    await slow.acquire();
    const controller = new AbortController();
    const waiting = slow.acquire(controller.signal);
    controller.abort();
    expect(await waiting).toBeNull();
    expect(slow.queued).toBe(0);
    held?.();
    expect(limiter.inFlight).toBe(0);
  });
});
