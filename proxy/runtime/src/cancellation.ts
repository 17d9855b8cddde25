/**
 * The cancel signal of the inference that runtime code is working for, carried in the async context: the text
 * models call the encoder without a signal, and the encoder checks this one before each of its onnxruntime runs.
 * Tokenizing and the BERTScore maths are not interrupted; an onnxruntime run that has started cannot be.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const scope = new AsyncLocalStorage<AbortSignal>();

/** Runs `work` as the inference of `signal`: once it aborts, no further encoder run starts for it. */
export function cancellable<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return scope.run(signal, work);
}

/** The signal of the inference this code runs for, if any. */
export function inferenceSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/**
 * Called before each encoder run: gives a cancel that is on its way (a message to a worker, a closed socket) one
 * turn of the event loop to arrive, then throws the abort reason if the inference was cancelled.
 */
export async function beforeEncoderRun(): Promise<void> {
  const signal = scope.getStore();
  if (!signal) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}

/** Runs `work` outside any inference: what it schedules is not cancelled with the inference that called it. */
export function outsideInference<T>(work: () => T): T {
  return scope.exit(work);
}
