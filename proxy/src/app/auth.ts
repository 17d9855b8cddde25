/**
 * API key check: `X-API-Key: <key>` (as the original service) or `Authorization: Bearer <key>`, compared in
 * constant time (hono's timingSafeEqual hashes both sides with crypto.subtle; web-standard).
 */
import type { MiddlewareHandler } from "hono";
import { timingSafeEqual } from "hono/utils/buffer";
import { ApiError } from "@gpu-bridge/contract/errors";
import type { AppEnv } from "./types.js";

export const PUBLIC_PATHS = new Set(["/health"]);

const UNAUTHORIZED = "Unauthorized: send the key as `X-API-Key: <key>` or `Authorization: Bearer <key>`";

function presentedKey(header: (name: string) => string | undefined): string | undefined {
  const direct = header("x-api-key");
  if (direct !== undefined) return direct;
  const match = /^Bearer\s+(.+)$/i.exec(header("authorization") ?? "");
  return match?.[1]?.trim();
}

export function apiKeyAuth(apiKey: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const key = presentedKey((name) => c.req.header(name));
    if (key === undefined || !(await timingSafeEqual(key, apiKey))) {
      throw new ApiError("unauthorized", UNAUTHORIZED, {}, { "WWW-Authenticate": 'Bearer realm="gpu-bridge"' });
    }
    return next();
  };
}
