/**
 * Triton-style errors: a status class mapped to an HTTP status and a `{"error": "..."}` body.
 * Web-standard only.
 */
import type { ErrorBody } from "./types.js";

export type KServeErrorCode = "INVALID_ARG" | "NOT_FOUND" | "UNAVAILABLE" | "UNSUPPORTED" | "INTERNAL";

/** Triton's mapping of TRITONSERVER_Error codes to HTTP statuses. */
export const HTTP_STATUS: Record<KServeErrorCode, number> = {
  INVALID_ARG: 400,
  UNSUPPORTED: 400,
  NOT_FOUND: 404,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class KServeError extends Error {
  readonly code: KServeErrorCode;

  constructor(code: KServeErrorCode, message: string) {
    super(message);
    this.name = "KServeError";
    this.code = code;
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  toJSON(): ErrorBody {
    return { error: this.message };
  }

  toResponse(): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { "content-type": "application/json" },
    });
  }
}

export const invalidArgument = (message: string): KServeError => new KServeError("INVALID_ARG", message);
export const notFound = (message: string): KServeError => new KServeError("NOT_FOUND", message);
export const unavailable = (message: string): KServeError => new KServeError("UNAVAILABLE", message);
export const internal = (message: string): KServeError => new KServeError("INTERNAL", message);

/** Any thrown value as a KServeError: unknown errors become INTERNAL. */
export function toKServeError(err: unknown): KServeError {
  if (err instanceof KServeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return internal(message);
}

export function codeForStatus(status: number): KServeErrorCode {
  if (status === 404) return "NOT_FOUND";
  if (status === 503) return "UNAVAILABLE";
  if (status >= 400 && status < 500) return "INVALID_ARG";
  return "INTERNAL";
}

/** Longest message kept from an upstream's error body: it reaches clients (upstream_rejected) and logs. */
export const MAX_UPSTREAM_MESSAGE = 1000;

/** The `error` field of a Triton error body, else the text itself (a cut-off body keeps what it has). */
function errorField(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string") {
      return (body as ErrorBody).error;
    }
  } catch {
    const opening = /^\s*\{\s*"error"\s*:\s*"/.exec(text);
    if (opening) return text.slice(opening[0].length);
  }
  return text;
}

/** Where a path may start in a message: its start, after a space, a quote, a bracket or a separator. */
const BEFORE = String.raw`(^|[\s'"(=:,])`;

/**
 * What of an upstream's text names the box's internals or secrets, in the order it is masked (each starts only where
 * a run of its characters starts, so that no text makes one of them quadratic): URLs, credentials,
 * IP literals, file paths (absolute, `~`, `./`, and relative ones of three parts or more; `TEXT/REFERENCE` and hub
 * ids like `org/model` stay), then host:port (after paths, so that `/srv/app.js:1:2` is a path and its line).
 */
const MASKS: [RegExp, string][] = [
  [/(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s'"<>,;)]+/gi, "<url>"],
  [/\b(bearer|basic)\s+[^\s'",;)]+/gi, "$1 <redacted>"],
  [/(?<![\w-])([\w-]*(?:token|key|secret|password|passwd|pwd|auth)[\w-]*)=[^\s'",;&)]+/gi, "$1=<redacted>"],
  [/\[[0-9a-f:.]*:[0-9a-f:.]*\](?::\d+)?/gi, "<host>"],
  [/(?<![\w:.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\w.])/g, "<host>"],
  [/(?<![\w:])(?:[0-9a-f]{1,4}:){5,7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])[0-9a-f:]*::[0-9a-f:]*(?![\w:])/gi, "<host>"],
  [new RegExp(String.raw`${BEFORE}(?:[A-Za-z]:)?(?:[\\/][\w.@+~-]+){2,}[\\/]?`, "g"), "$1<path>"],
  [new RegExp(String.raw`${BEFORE}(?:~[\w.-]*|\.{1,2})[\\/][\w.@+~\\/-]*`, "g"), "$1<path>"],
  [new RegExp(String.raw`${BEFORE}[\w.@+~-]+(?:[\\/][\w.@+~-]+){2,}[\\/]?`, "g"), "$1<path>"],
  [/(?<![\w.-])(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*:\d{1,5}\b/gi, "<host>"],
];

/**
 * An upstream's error text as it may be shown: Triton's `[request id: ...]` prefix removed, what names the box's
 * internals or a secret masked (MASKS), whitespace collapsed, at most MAX_UPSTREAM_MESSAGE characters.
 */
export function upstreamMessage(text: string, status: number): string {
  // Masks run on what can be kept (and a little more, for what they shorten), not on the 64 KiB read.
  let message = errorField(text).slice(0, 2 * MAX_UPSTREAM_MESSAGE).replace(/^\s*\[request id: [^\]]*\]\s*/, "");
  for (const [pattern, replacement] of MASKS) message = message.replace(pattern, replacement);
  message = message.replace(/\s+/g, " ").trim();
  if (message === "") return `HTTP ${status}`;
  return message.length > MAX_UPSTREAM_MESSAGE ? `${message.slice(0, MAX_UPSTREAM_MESSAGE - 1)}…` : message;
}

/** Reads a non-2xx upstream response as a KServeError (the body's `error` field, else its text), shortened. */
export async function errorFromResponse(res: Response): Promise<KServeError> {
  const text = await res.text().catch(() => "");
  return new KServeError(codeForStatus(res.status), upstreamMessage(text, res.status));
}
