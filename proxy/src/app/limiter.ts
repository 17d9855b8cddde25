/**
 * Admission to the upstreams. What a batching server bounds is rows, not requests: Triton's dynamic batcher packs
 * the texts of many requests into one execution of up to max_batch_size rows, so the budget is texts in flight
 * (`maxTexts`). An optional bound on requests (`maxRequests`, GPU_MAX_CONCURRENT) keeps the original service's
 * semaphore for those who set it. A request waits up to `queueTimeoutMs` (the original waited 1 s), then is refused.
 *
 * Small requests have a lane of their own: the last `reservedTexts` of the budget are for requests of at most that
 * many texts, and they never queue behind a large one, so that clients looping 100-text requests cannot starve
 * one-text clients. Within each lane, first come first served. A large request of more texts than the rest of the
 * budget counts as the rest: it runs alone among large requests rather than never.
 * Per process on Node, per isolate on Workers.
 */
export type Release = () => void;

export interface AdmissionLimits {
  /** Texts in flight over all admitted requests. */
  maxTexts: number;
  /** Requests in flight; Infinity: bounded by texts alone. */
  maxRequests: number;
  queueTimeoutMs: number;
  /** The last texts of the budget, for requests of at most this many texts (at most maxTexts - 1); default 0. */
  reservedTexts?: number;
}

interface Waiter {
  texts: number;
  small: boolean;
  grant: (release: Release) => void;
  cancel: () => void;
}

export class ConcurrencyLimiter {
  private requests = 0;
  private texts = 0;
  private readonly waiters: Waiter[] = [];
  readonly maxTexts: number;
  readonly maxRequests: number;
  readonly reservedTexts: number;
  private readonly queueTimeoutMs: number;

  constructor(limits: AdmissionLimits) {
    this.maxTexts = limits.maxTexts;
    this.maxRequests = limits.maxRequests;
    this.reservedTexts = Math.max(0, Math.min(limits.reservedTexts ?? 0, limits.maxTexts - 1));
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
    const small = this.isSmall(1);
    if (this.waiters.some((w) => w.small === small)) return 0;
    return Math.max(0, Math.min(this.maxRequests - this.requests, this.textLimit(small) - this.texts));
  }

  /**
   * A release function (idempotent) once `texts` fit, or null when they do not fit in time or `signal` aborts.
   */
  acquire(texts = 1, signal?: AbortSignal): Promise<Release | null> {
    const cost = this.cost(texts);
    const small = this.isSmall(cost);
    if (!this.waiters.some((w) => w.small === small) && this.fits(cost, small)) return Promise.resolve(this.take(cost));
    if (this.queueTimeoutMs <= 0 || signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        texts: cost,
        small,
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        cancel: () => {
          cleanup();
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          // The head of a lane leaving may let those behind it in.
          this.admitWaiters();
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

  private isSmall(cost: number): boolean {
    return cost <= this.reservedTexts;
  }

  /** Texts in flight up to which a request of this lane is admitted. */
  private textLimit(small: boolean): number {
    return small ? this.maxTexts : this.maxTexts - this.reservedTexts;
  }

  /** A large request of more texts than the rest of the budget counts as the rest: it runs, alone among large ones. */
  private cost(texts: number): number {
    const wanted = Math.max(1, texts);
    return this.isSmall(wanted) ? wanted : Math.min(wanted, this.textLimit(false));
  }

  private fits(cost: number, small: boolean): boolean {
    return this.requests < this.maxRequests && this.texts + cost <= this.textLimit(small);
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

  /** First come, first served within each lane: a large request at its head is not overtaken by large ones behind it. */
  private admitWaiters(): void {
    const blocked = { small: false, large: false };
    for (const waiter of [...this.waiters]) {
      const lane = waiter.small ? "small" : "large";
      if (blocked[lane]) continue;
      if (!this.fits(waiter.texts, waiter.small)) {
        blocked[lane] = true;
        continue;
      }
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.grant(this.take(waiter.texts));
    }
  }
}
