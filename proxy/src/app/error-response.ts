/** Turns anything thrown during a request into the one error body (@gpu-bridge/contract/errors), without stack traces. */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { ApiError, MAX_ISSUES } from "@gpu-bridge/contract/errors";
import { UpstreamError } from "@gpu-bridge/kserve/inference";
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
      return new ApiError("upstream_error", "the inference server answered something unreadable, too large or implausible");
  }
}

/** A validation error's `detail` names the first few of its issues. */
const ISSUES_IN_DETAIL = 3;
const MAX_ISSUE_MESSAGE = 200;

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** The first `too_big` issue, also inside a union's alternatives: a request over a limit is answered 413. */
function limitIssue(issues: readonly Issue[], prefix: Path = []): { issue: Issue; path: Path } | undefined {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "too_big" && (issue.origin === "array" || issue.origin === "string")) return { issue, path };
    if (issue.code === "invalid_union") {
      for (const alternative of issue.errors) {
        const found = limitIssue(alternative, path);
        if (found) return found;
      }
    }
  }
  return undefined;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The answer to a body that fails its schema: 413 when a list or a text is over its limit, else 422 with the first
 * MAX_ISSUES issues. A body of a million wrong elements gets as short an answer as one with a single one.
 */
export function validationFailure(issues: readonly Issue[]): ApiError {
  const limit = limitIssue(issues);
  if (limit) {
    const code = limit.issue.code === "too_big" && limit.issue.origin === "string" ? "text_too_long" : "too_many_items";
    return new ApiError(code, `${limit.path.map(String).join(".")}: ${limit.issue.message}`);
  }
  const listed = issues.slice(0, MAX_ISSUES).map((issue) => ({
    path: issue.path.map(String).join("."),
    message: clip(issue.message, MAX_ISSUE_MESSAGE),
  }));
  const named = listed.slice(0, ISSUES_IN_DETAIL).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  const more = issues.length - named.length;
  const detail = more > 0 ? `${named.join("; ")} (and ${more} more)` : named.join("; ");
  return new ApiError("validation_error", detail, { issues: listed });
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
