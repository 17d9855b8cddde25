/**
 * The one error body of the HTTP API, its stable codes and their statuses. Every error response, from every route
 * and on both runtimes, is `{"detail": "<message>", "code": "<code>", ...extra}`; `detail` keeps the original
 * FastAPI service's field so that existing clients still read the message.
 */
import { z } from "zod";

export const ERROR_STATUS = {
  unauthorized: 401,
  not_found: 404,
  invalid_json: 400,
  length_mismatch: 400,
  body_too_large: 413,
  too_many_items: 413,
  text_too_long: 413,
  unsupported_media_type: 415,
  validation_error: 422,
  unknown_model: 422,
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
  not_found: "no such route",
  invalid_json: "the body is not valid JSON",
  length_mismatch: "candidates and references differ in length",
  body_too_large: "the body exceeds MAX_BODY_BYTES",
  too_many_items: "more than GPU_MAX_BATCH_SIZE items in one request",
  text_too_long: "a text longer than GPU_MAX_TEXT_LENGTH characters",
  unsupported_media_type: "the body is not application/json",
  validation_error: "the body does not match the request schema; `issues` lists each problem",
  unknown_model:
    "the named model is not served upstream (never replaced by another); `served_models` lists those that are, " +
    "`export_command` how to add it",
  upstream_rejected: "the inference server rejected the input (its message is in `detail`)",
  internal_error: "an unexpected error in the proxy",
  config_error: "the proxy is misconfigured (e.g. TRITON_URL missing on Workers)",
  upstream_error: "the inference server could not be reached or answered something unreadable",
  busy: "GPU_MAX_CONCURRENT upstream calls are already in flight; retry after Retry-After seconds",
  upstream_unavailable: "no inference server is ready",
  upstream_timeout: "the inference server did not answer within UPSTREAM_TIMEOUT_MS",
  client_closed: "the client closed the connection first (logged, never received)",
};

export const ErrorBodySchema = z
  .object({
    detail: z.string().meta({ description: "Human-readable message" }),
    code: z.enum(ERROR_CODES).meta({ description: "Stable machine-readable error code" }),
    request_id: z.string().optional().meta({ description: "The request's X-Request-Id" }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "validation_error: each failing field" }),
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

type ErrorExtra = Omit<ErrorBody, "detail" | "code">;

/** An error that becomes an error response; thrown anywhere in a request, rendered once by the app. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly extra: ErrorExtra;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, extra: ErrorExtra = {}, headers: Record<string, string> = {}) {
    super(detail);
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
