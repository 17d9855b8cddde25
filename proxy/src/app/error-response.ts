/** Turns anything thrown during a request into the one error body (api/errors.ts), without stack traces. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError } from "../api/errors.js";
import { UpstreamError } from "../kserve/client.js";
import type { AppEnv } from "./types.js";

/** What clients see for each upstream failure; the upstream's own text is logged, not returned (it names hosts). */
export function apiErrorFromUpstream(err: UpstreamError): ApiError {
  switch (err.kind) {
    case "rejected":
      return new ApiError("upstream_rejected", err.message);
    case "unavailable":
      return new ApiError("upstream_unavailable", "the inference server is not ready");
    case "timeout":
      return new ApiError("upstream_timeout", "the inference server did not answer in time");
    case "aborted":
      return new ApiError("client_closed", "the client closed the request");
    case "unreachable":
      return new ApiError("upstream_error", "the inference server could not be reached");
    case "bad_response":
      return new ApiError("upstream_error", "the inference server answered something unreadable");
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UpstreamError) return apiErrorFromUpstream(err);
  if (err instanceof HTTPException) {
    // hono's own checks; ours run first and say more, these are the safety net that keeps client mistakes 4xx
    switch (err.status) {
      case 400:
        return new ApiError("invalid_json", "request body is not valid JSON");
      case 401:
        return new ApiError("unauthorized", "Unauthorized");
      case 413:
        return new ApiError("body_too_large", "request body too large");
      case 415:
        return new ApiError("unsupported_media_type", "unsupported Content-Type: use application/json; charset=utf-8");
    }
  }
  return new ApiError("internal_error", "internal error");
}

export function errorResponse(c: Context<AppEnv>, error: ApiError): Response {
  c.set("errorCode", error.code);
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return c.json(error.body(c.get("requestId")), error.status as ContentfulStatusCode);
}
