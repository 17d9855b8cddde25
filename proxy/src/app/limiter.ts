/**
 * At most `max` upstream calls in flight. A request waits up to `queueTimeoutMs` for a slot (the original service
 * waited 1 s), then is refused. Per process on Node, per isolate on Workers.
 */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  cancel: () => void;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly max: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** A release function (idempotent) once a slot is free, or null when none frees in time or `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<Release | null> {
    if (this.active < this.max) return Promise.resolve(this.take());
    if (this.queueTimeoutMs <= 0 || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        cancel: () => {
          cleanup();
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(null);
        },
      };
      const timer = setTimeout(waiter.cancel, this.queueTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", waiter.cancel);
      };
      signal?.addEventListener("abort", waiter.cancel, { once: true });
      this.waiters.push(waiter);
    });
  }

  private take(): Release {
    this.active += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant(this.handOver());
      else this.active -= 1;
    };
  }

  /** A slot passed from a finishing call straight to the next waiter: `active` stays the same. */
  private handOver(): Release {
    this.active -= 1;
    return this.take();
  }
}
