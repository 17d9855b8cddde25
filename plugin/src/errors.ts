/**
 * Errors a tool call raises. OpenClaw's /tools/invoke recognises input errors by `name === "ToolInputError"` (it
 * also accepts its own class, which a plugin cannot import without the host package) and answers 400 with the
 * message. A GpuBridgeError does not leave the tool: tools.ts returns it as OpenClaw's failed-tool result (a thrown
 * one would become a bare 500 there, its message only in the Gateway log).
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
