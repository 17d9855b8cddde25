/**
 * Admission to the upstreams. What a batching server bounds is rows, not requests: Triton's dynamic batcher packs
 * the texts of many requests into one execution of up to max_batch_size rows, so the budget is texts in flight
 * (`maxTexts`). An optional bound on requests (`maxRequests`, GPU_MAX_CONCURRENT) keeps the original service's
 * semaphore for those who set it. A request waits up to `queueTimeoutMs` (the original waited 1 s), first come first
 * served, then is refused. A request larger than the whole text budget runs alone rather than never.
 * Per process on Node, per isolate on Workers.
 */
export type Release = () => void;

export interface AdmissionLimits {
  /** Texts in flight over all admitted requests. */
  maxTexts: number;
  /** Requests in flight; Infinity: bounded by texts alone. */
  maxRequests: number;
  queueTimeoutMs: number;
}

interface Waiter {
  texts: number;
  grant: (release: Release) => void;
  cancel: () => void;
}

export class ConcurrencyLimiter {
  private requests = 0;
  private texts = 0;
  private readonly waiters: Waiter[] = [];
  readonly maxTexts: number;
  readonly maxRequests: number;
  private readonly queueTimeoutMs: number;

  constructor(limits: AdmissionLimits) {
    this.maxTexts = limits.maxTexts;
    this.maxRequests = limits.maxRequests;
    this.queueTimeoutMs = limits.queueTimeoutMs;
  }

  /** Most requests that can be in flight at once (one text each). */
  get max(): number {
    return Math.min(this.maxRequests, this.maxTexts);
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.requests;
  }

  get textsInFlight(): number {
    return this.texts;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** One-text requests that would be admitted now without waiting. */
  get available(): number {
    if (this.waiters.length > 0) return 0;
    return Math.max(0, Math.min(this.maxRequests - this.requests, this.maxTexts - this.texts));
  }

  /**
   * A release function (idempotent) once `texts` fit, or null when they do not fit in time or `signal` aborts.
   */
  acquire(texts = 1, signal?: AbortSignal): Promise<Release | null> {
    const cost = this.cost(texts);
    if (this.waiters.length === 0 && this.fits(cost)) return Promise.resolve(this.take(cost));
    if (this.queueTimeoutMs <= 0 || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        texts: cost,
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        cancel: () => {
          cleanup();
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          // The head leaving may let those behind it in.
          if (index === 0) this.admitWaiters();
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

  /** A request of more texts than the whole budget counts as the whole budget: it runs, alone. */
  private cost(texts: number): number {
    return Math.min(Math.max(1, texts), this.maxTexts);
  }

  private fits(cost: number): boolean {
    return this.requests < this.maxRequests && this.texts + cost <= this.maxTexts;
  }

  private take(cost: number): Release {
    this.requests += 1;
    this.texts += cost;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.requests -= 1;
      this.texts -= cost;
      this.admitWaiters();
    };
  }

  /** First come, first served: a large request at the head is not overtaken by small ones behind it. */
  private admitWaiters(): void {
    for (let head = this.waiters[0]; head && this.fits(head.texts); head = this.waiters[0]) {
      this.waiters.shift();
      head.grant(this.take(head.texts));
    }
  }
}
