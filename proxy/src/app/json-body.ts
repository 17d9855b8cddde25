/**
 * POST bodies: JSON in UTF-8 only (415 otherwise; invalid UTF-8 is a 400), at most `maxBytes` as sent and as
 * decoded (413, counted on the stream when there is no Content-Length), one gzip or deflate content or transfer
 * coding decoded (any other coding, or more than one, 415), no list or object longer or nested deeper than a request
 * can have (json-shape.ts; too deep: 400), so that nothing huge is ever parsed. The text is then cached on the request for the route's zod validator, which parses it
 * (invalid JSON: its HTTPException 400 becomes invalid_json in error-response.ts).
 */
import type { Context, MiddlewareHandler } from "hono";
import { safeParse } from "fast-content-type-parse";
import { ApiError, MAX_NESTING } from "@gpu-bridge/contract/errors";
import { readAtMost } from "@gpu-bridge/bytes/read-at-most";
import { oversizedContainer, type ShapeProblem } from "./json-shape.js";
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

type DecodeFormat = "gzip" | "deflate";

/** Codings this API decodes, by their HTTP names, as DecompressionStream formats. */
const DECODERS: Record<string, DecodeFormat> = { gzip: "gzip", "x-gzip": "gzip", deflate: "deflate" };

/**
 * Codings a body may carry. Each costs a decompressor over the whole body: `gzip` stacked 3,000 times in one 15 KB
 * header held the event loop for a second per request. No client compresses twice.
 */
export const MAX_CODINGS = 1;

/**
 * The codings to undo, in the order to undo them (the last applied first), from Content-Encoding and the
 * Transfer-Encoding codings before `chunked` (HTTP framing itself). Throws 415 for any other coding, or for more
 * than MAX_CODINGS of them.
 */
export function codingsToUndo(contentEncoding: string | undefined, transferEncoding: string | undefined): DecodeFormat[] {
  const names = (header: string | undefined, framing: string[]) =>
    (header ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== "" && name !== "identity" && !framing.includes(name));
  const applied = [...names(contentEncoding, []), ...names(transferEncoding, ["chunked"])];
  if (applied.length > MAX_CODINGS) {
    throw new ApiError("unsupported_media_type", `${applied.length} body codings; at most ${MAX_CODINGS} (gzip or deflate)`);
  }
  return applied.reverse().map((name) => {
    const format = DECODERS[name];
    if (!format) throw new ApiError("unsupported_media_type", `body coding '${name}' is not supported: send identity, gzip or deflate`);
    return format;
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** No request object of this API has more than a few fields; room for clients that send extra ones. */
export const MAX_OBJECT_MEMBERS = 64;

function shapeError({ kind, path, max }: ShapeProblem): ApiError {
  const where = path || "the body";
  if (kind === "depth") return new ApiError("nesting_too_deep", `${where}: nested deeper than ${max} levels`);
  if (kind === "list") return new ApiError("too_many_items", `${where}: more than ${max} items; at most ${max} per request`);
  const message = `more than ${max} fields`;
  return new ApiError("validation_error", `${where}: ${message}`, { issues: [{ path, message }] });
}

export interface JsonBodyOptions {
  maxBytes: number;
  /** Most elements of any list in a body (GPU_MAX_BATCH_SIZE). */
  maxItems: number;
}

export function jsonBody({ maxBytes, maxItems }: JsonBodyOptions): MiddlewareHandler<AppEnv> {
  const shape = { maxItems, maxMembers: MAX_OBJECT_MEMBERS, maxDepth: MAX_NESTING };
  const tooLarge = () => new ApiError("body_too_large", `request body larger than ${maxBytes} bytes`);

  /** The body as sent: by HTTP framing when it declares its length, else counted on the stream. */
  const readSent = async (c: Context<AppEnv>, declared: boolean): Promise<Uint8Array> => {
    // arrayBuffer() lets @hono/node-server hand over its buffer without a web stream.
    if (declared) return new Uint8Array(await c.req.arrayBuffer());
    const body = c.req.raw.body;
    return body ? readAtMost(body.getReader(), maxBytes, tooLarge) : new Uint8Array(0);
  };

  const decode = async (sent: Uint8Array, codings: DecodeFormat[]): Promise<Uint8Array> => {
    let stream = new Response(sent).body as ReadableStream<Uint8Array>;
    for (const format of codings) stream = stream.pipeThrough(new DecompressionStream(format));
    // A few kilobytes of gzip can stand for gigabytes: the decoded size is counted too.
    return readAtMost(stream.getReader(), maxBytes, tooLarge);
  };

  return async (c, next) => {
    const problem = contentTypeProblem(c.req.header("content-type"));
    if (problem) throw new ApiError("unsupported_media_type", problem);
    const transferEncoding = c.req.header("transfer-encoding");
    const codings = codingsToUndo(c.req.header("content-encoding"), transferEncoding);
    const length = c.req.header("content-length");
    const declared = length !== undefined && transferEncoding === undefined;
    if (declared && Number(length) > maxBytes) throw tooLarge();

    let bytes: Uint8Array;
    try {
      bytes = await readSent(c, declared);
      if (codings.length > 0) bytes = await decode(bytes, codings);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const what = codings.length > 0 ? `request body could not be decoded (${codings.join(", ")})` : "request body could not be read";
      throw new ApiError("invalid_json", what);
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new ApiError("invalid_json", "request body is not valid UTF-8 (RFC 8259)");
    }
    const oversized = oversizedContainer(text, shape);
    if (oversized) throw shapeError(oversized);
    // The route's validator reads c.req.json(), which parses this cached text (once).
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return next();
  };
}
