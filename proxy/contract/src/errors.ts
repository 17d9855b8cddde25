/**
 * The one error body of the HTTP API, its stable codes and their statuses. Every error response, from every route
 * and on both runtimes, is `{"detail": "<message>", "code": "<code>", ...extra}`; `detail` keeps the original
 * FastAPI service's field so that existing clients still read the message.
 */
import { z } from "zod";

/** Longest `detail`: messages that echo input or an upstream's text are cut here, whatever made them. */
export const MAX_DETAIL_LENGTH = 1024;
/** Most entries in a validation error's `issues`. */
export const MAX_ISSUES = 10;
/**
 * Most lists and objects open at once in a request body: the deepest request (`{"references": [["..."]]}`) needs 3;
 * the rest is room for clients that send extra fields.
 */
export const MAX_NESTING = 8;

export const ERROR_STATUS = {
  unauthorized: 401,
  host_not_allowed: 403,
  not_found: 404,
  invalid_json: 400,
  nesting_too_deep: 400,
  length_mismatch: 400,
  body_too_large: 413,
  too_many_items: 413,
  text_too_long: 413,
  unsupported_media_type: 415,
  validation_error: 422,
  unknown_model: 422,
  no_rescale_baseline: 422,
  upstream_rejected: 422,
  internal_error: 500,
  config_error: 500,
  upstream_error: 502,
  busy: 503,
  upstream_unavailable: 503,
  upstream_timeout: 504,
  /** Only logged: the client went away before the answer. */
  client_closed: 499,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  unauthorized: "API_KEY is set and the request has no valid X-API-Key (or Authorization: Bearer) header",
  host_not_allowed:
    "the Host (or Origin) header names a host outside ALLOWED_HOSTS (checked when API_KEY is unset; guards against DNS rebinding)",
  not_found: "no such route",
  invalid_json: "the body is not valid JSON in UTF-8",
  nesting_too_deep: `the body nests lists or objects deeper than ${MAX_NESTING} levels (requests need 3); refused before it is parsed`,
  length_mismatch: "candidates and references differ in length",
  body_too_large: "the body exceeds MAX_BODY_BYTES",
  too_many_items: "more than GPU_MAX_BATCH_SIZE items in one request",
  text_too_long: "a text longer than GPU_MAX_TEXT_LENGTH characters (Unicode code points)",
  unsupported_media_type:
    "the body is not application/json, or has a Content-Encoding other than gzip or deflate, or more than one coding",
  validation_error: "the body does not match the request schema; `issues` lists the first problems (at most 10)",
  unknown_model:
    "the named model is not served upstream (never replaced by another); `served_models` lists those that are, " +
    "`export_command` how to add it",
  no_rescale_baseline:
    "rescale_with_baseline for a model (or lang) that has no baseline: only models exported with bert_score's baseline file rescale (roberta-large for en)",
  upstream_rejected: "the inference server rejected the input (its message, shortened, is in `detail`)",
  internal_error: "an unexpected error in the proxy",
  config_error: "the proxy is misconfigured (e.g. TRITON_URL missing on Workers)",
  upstream_error:
    "the inference server could not be reached, redirected, or answered something unreadable, too large or implausible (non-finite or unnormalised values)",
  busy: "the texts in flight (GPU_MAX_TEXTS_IN_FLIGHT) or requests (GPU_MAX_CONCURRENT) left no room in time; retry after Retry-After seconds",
  upstream_unavailable: "no inference server is ready",
  upstream_timeout: "the inference server did not answer within UPSTREAM_TIMEOUT_MS",
  client_closed: "the client closed the connection first (logged, never received)",
};

export const ErrorBodySchema = z
  .object({
    detail: z.string().meta({ description: `Human-readable message (at most ${MAX_DETAIL_LENGTH} characters)` }),
    code: z.enum(ERROR_CODES).meta({ description: "Stable machine-readable error code" }),
    request_id: z.string().optional().meta({ description: "The request's X-Request-Id" }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .max(MAX_ISSUES)
      .optional()
      .meta({ description: `validation_error: the failing fields, the first ${MAX_ISSUES}` }),
    served_models: z.array(z.string()).optional().meta({ description: "unknown_model: the models that are served" }),
    export_command: z
      .string()
      .optional()
      .meta({ description: "unknown_model: the command that adds the model to the repository on the GPU box" }),
  })
  .meta({
    id: "Error",
    description: Object.entries(ERROR_DESCRIPTIONS)
      .map(([code, text]) => `- \`${code}\` (${ERROR_STATUS[code as ErrorCode]}): ${text}`)
      .join("\n"),
    example: { detail: "candidates and references must have equal length", code: "length_mismatch" },
  });

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

function clipDetail(detail: string): string {
  return detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` : detail;
}

type ErrorExtra = Omit<ErrorBody, "detail" | "code">;

/** An error that becomes an error response; thrown anywhere in a request, rendered once by the app. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly extra: ErrorExtra;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, extra: ErrorExtra = {}, headers: Record<string, string> = {}) {
    super(clipDetail(detail));
    this.name = "ApiError";
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }

  get status(): ErrorStatus {
    return ERROR_STATUS[this.code];
  }

  body(requestId?: string): ErrorBody {
    return { detail: this.message, code: this.code, ...this.extra, ...(requestId ? { request_id: requestId } : {}) };
  }
}
