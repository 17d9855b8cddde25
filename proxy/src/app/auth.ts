/**
 * API key check: `X-API-Key: <key>` (as the original service) or `Authorization: Bearer <key>`, compared in
 * constant time (hono's timingSafeEqual hashes both sides with crypto.subtle; web-standard). /health and the API
 * reference (/docs, /openapi.json: no data, as FastAPI's) need no key.
 */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { ApiError } from "@gpu-bridge/contract/errors";
import { isDocsPath } from "./routes/docs.js";
import type { AppEnv } from "./types.js";

export const PUBLIC_PATHS = new Set(["/health"]);

const UNAUTHORIZED = "Unauthorized: send the key as `X-API-Key: <key>` or `Authorization: Bearer <key>`";

function presentedKey(header: (name: string) => string | undefined): string | undefined {
  const direct = header("x-api-key");
  if (direct !== undefined) return direct;
  const match = /^Bearer\s+(.+)$/i.exec(header("authorization") ?? "");
  return match?.[1]?.trim();
}

export function apiKeyAuth(apiKey: string, options: { publicDocs: boolean }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || (options.publicDocs && isDocsPath(c.req.path))) return next();
    const key = presentedKey((name) => c.req.header(name));
    if (key === undefined || !(await timingSafeEqual(key, apiKey))) {
      throw new ApiError("unauthorized", UNAUTHORIZED, {}, { "WWW-Authenticate": 'Bearer realm="gpu-bridge"' });
    }
    return next();
  };
}
