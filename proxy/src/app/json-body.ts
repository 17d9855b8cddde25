/**
 * POST bodies: JSON in UTF-8 only (415 otherwise), at most `maxBytes` (413, counted on the stream when there is no
 * Content-Length), valid JSON (400). The parsed body is cached on the request for the zod validator.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { safeParse } from "fast-content-type-parse";
import { ApiError } from "../api/errors.js";
import type { AppEnv } from "./types.js";

const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/;
/**
 * The form of Content-Type that the route validators (@hono/zod-openapi) take: `; name=value` parameters only.
 * RFC 9110 also allows empty parameters (`application/json;;`); those are refused here with a clear 415 rather
 * than deeper down.
 */
const PLAIN_PARAMETERS = /^[^;]*(?:;\s*[a-zA-Z0-9-]+=[^;]+)*$/;

/** Why a Content-Type is not a JSON body this API reads, or undefined when it is. */
export function contentTypeProblem(header: string | undefined): string | undefined {
  if (!header) return "expected Content-Type: application/json, got none";
  const { type, parameters } = safeParse(header);
  if (!JSON_MEDIA_TYPE.test(type)) return `expected Content-Type: application/json, got '${header}'`;
  const charset = parameters.charset;
  if (charset !== undefined && !isUtf8(charset)) {
    return `JSON bodies must be UTF-8, got charset '${charset}'`;
  }
  if (!PLAIN_PARAMETERS.test(header)) return `malformed Content-Type '${header}': use application/json; charset=utf-8`;
  return undefined;
}

/** By the WHATWG Encoding Standard's labels (`utf8`, `unicode-1-1-utf-8`, ...), as every fetch client names it. */
function isUtf8(label: string): boolean {
  try {
    return new TextDecoder(label).encoding === "utf-8";
  } catch {
    return false;
  }
}

export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("body_too_large", `request body larger than ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    const problem = contentTypeProblem(c.req.header("content-type"));
    if (problem) throw new ApiError("unsupported_media_type", problem);
    return limit(c, async () => {
      try {
        await c.req.json();
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError("invalid_json", "request body is not valid JSON");
      }
      await next();
    });
  };
}
