/**
 * POST bodies: JSON in UTF-8 only (415 otherwise), at most `maxBytes` (413, counted on the stream when there is no
 * Content-Length). The body is read here and cached on the request as text for the route's zod validator, which
 * parses it (invalid JSON: its HTTPException 400 becomes invalid_json in error-response.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { safeParse } from "fast-content-type-parse";
import { ApiError } from "../api/errors.js";
import type { AppEnv } from "./types.js";

const JSON_MEDIA_TYPE = /^application\/(?:[a-z.-]+\+)?json$/;
/**
 * The form of Content-Type the route validators (@hono/zod-openapi) take: `; name=value` parameters only, no
 * space before `;` or around `=`. RFC 9110 allows more (`application/json;;`); such headers get a clear 415 here
 * instead of failing deeper down.
 */
const VALIDATOR_FORM = /^application\/(?:[a-z.-]+\+)?json(?:;\s*[a-z0-9-]+=[^;]+)*$/i;

const malformed = (header: string) => `malformed Content-Type '${header}': use application/json; charset=utf-8`;

/** Why a Content-Type is not a JSON body this API reads, or undefined when it is. */
export function contentTypeProblem(header: string | undefined): string | undefined {
  if (!header) return "expected Content-Type: application/json, got none";
  const { type, parameters } = safeParse(header);
  if (type === "") return malformed(header);
  if (!JSON_MEDIA_TYPE.test(type)) return `expected Content-Type: application/json, got '${header}'`;
  const charset = parameters.charset;
  if (charset !== undefined && !isUtf8(charset)) {
    return `JSON bodies must be UTF-8, got charset '${charset}'`;
  }
  if (!VALIDATOR_FORM.test(header)) return malformed(header);
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

async function readText(c: Context<AppEnv>): Promise<void> {
  try {
    await c.req.text();
  } catch (err) {
    if (err instanceof ApiError) throw err; // the stream limit's 413
    throw new ApiError("invalid_json", "request body could not be read");
  }
}

export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = () => new ApiError("body_too_large", `request body larger than ${maxBytes} bytes`);
  // Without a Content-Length the size is only known by counting the stream.
  const streamLimit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async (c, next) => {
    const problem = contentTypeProblem(c.req.header("content-type"));
    if (problem) throw new ApiError("unsupported_media_type", problem);
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      // HTTP framing holds the body to its Content-Length; reading it as text lets @hono/node-server skip the
      // web stream. The route's validator parses the cached text: once, and a syntax error there is a 400.
      if (Number(length) > maxBytes) throw tooLarge();
      await readText(c);
      return next();
    }
    return streamLimit(c, async () => {
      await readText(c);
      await next();
    });
  };
}
