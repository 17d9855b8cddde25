/**
 * Errors a tool call throws. OpenClaw's /tools/invoke recognises input errors by `name === "ToolInputError"` (it
 * also accepts its own class, which a plugin cannot import without the host package) and answers 400 with the
 * message; any other error becomes a 500 and is logged, and the agent loop shows its message to the model.
 */

export class ToolInputError extends Error {
  readonly status = 400;

  constructor(message: string) {
    super(message);
    this.name = "ToolInputError";
  }
}

/** The proxy could not be used: unreachable, timed out, refused the key, failed, or answered nonsense. */
export class GpuBridgeError extends Error {
  constructor(
    message: string,
    readonly httpStatus?: number,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GpuBridgeError";
  }
}
