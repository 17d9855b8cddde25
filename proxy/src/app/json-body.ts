/**
 * POST bodies: JSON only (415 otherwise), at most `maxBytes` (413, counted on the stream when there is no
 * Content-Length), valid JSON (400). The parsed body is cached on the request for the zod validator.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../api/errors.js";
import type { AppEnv } from "./types.js";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError("body_too_large", `request body larger than ${maxBytes} bytes`);
    },
  });
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (!JSON_TYPE.test(type)) {
      throw new ApiError("unsupported_media_type", `expected Content-Type: application/json, got '${type || "none"}'`);
    }
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
