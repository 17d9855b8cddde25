/**
 * One call's deadline and its caller's signal as one abort signal, and the race of a piece of work against it:
 * what the KServe v2 client and the in-process runtime both put around each call. Web-standard only.
 */
import { UpstreamError, type CallOptions } from "./inference.js";

export class CallDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private expired = false;
  private readonly caller: AbortSignal | undefined;
  private readonly onCallerAbort = () => this.controller.abort(this.caller?.reason);

  // One controller and one timer per call: AbortSignal.timeout/any cost several times more on Node 20.
  constructor(options: CallOptions, defaultTimeoutMs: number) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new DOMException("upstream deadline", "TimeoutError"));
    }, options.timeoutMs ?? defaultTimeoutMs);
    this.caller = options.signal;
    if (this.caller?.aborted) this.onCallerAbort();
    else this.caller?.addEventListener("abort", this.onCallerAbort, { once: true });
  }

  /** The caller went away or the deadline passed: the error that says which, else undefined. */
  ended(location: string): UpstreamError | undefined {
    if (this.caller?.aborted) return new UpstreamError("aborted", "the client went away");
    if (this.expired) return new UpstreamError("timeout", `${location} did not answer in time`);
    return undefined;
  }

  /** Stops the timer and lets go of the caller's signal; call once the call has settled. */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener("abort", this.onCallerAbort);
  }
}

/** Settles with `work` or rejects when `signal` aborts, whichever comes first (work may not heed the signal). */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {}); // its failure, if it fails, comes after the caller has gone
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err as Error);
      },
    );
  });
}
