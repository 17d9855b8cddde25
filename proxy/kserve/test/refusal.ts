/** What the codec's unit tests expect of a refused message: the KServeError a call throws, as its code and message. */
import { expect } from "vitest";
import { KServeError } from "../src/errors.js";

/** The refusal a call throws: its code and message (fails when it returns). */
export function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KServeError);
    return { code: (err as KServeError).code, message: (err as KServeError).message };
  }
  throw new Error("expected a KServeError");
}

/** Triton's INVALID_ARG refusal with `message`. */
export const invalid = (message: string) => ({ code: "INVALID_ARG", message });
