/**
 * Property-based fuzzing (fast-check) of every endpoint on both runtimes: the Node proxy process and the Workers
 * build in workerd (wrangler dev), both in front of the embedded runtime. Whatever arrives — random JSON, wrong
 * types, huge strings, invalid UTF-8, deep nesting, odd content types, odd methods — the answer is never a 5xx and
 * always of the documented shape; invalid UTF-8 is a 400, lists of any length get a short answer, and content codings
 * are decoded or refused.
 */
import { isUtf8 } from "node:buffer";
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { Agent, fetch } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFaultUpstream, type FaultUpstream } from "../reliability/fault-upstream.js";
import { checkDocumentedShape } from "../support/response-shapes.js";
import { createRuntimeBackend, type RuntimeBackend } from "../reliability/runtime-backend.js";
import { requirePrerequisites } from "../support/prerequisites.js";
import { RUNTIMES, startTarget, missingFor, type Target } from "../reliability/targets.js";

const API_KEY = "fuzz-key";
const MAX_BODY_BYTES = 256 * 1024;
const MAX_TEXT_LENGTH = 2_000;
const POST_ROUTES = ["/embed", "/bertscore", "/v1/embeddings"] as const;
const GET_ROUTES = ["/health", "/info", "/openapi.json", "/docs"] as const;
/** Runs per property and runtime: enough to meet each generator's edge cases, small enough for CI. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 50);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

interface Sent {
  method?: string;
  path: string;
  body?: string | Uint8Array;
  contentType?: string | null;
  headers?: Record<string, string>;
}

const ODD_CONTENT_TYPES = [
  null,
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/json;;;",
  "application/jsonx",
  "application/problem+json",
  "*/*",
  "",
];

const jsonText = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(undefined),
  fc.string({ unit: "grapheme", maxLength: 40 }),
);

/** Bodies with the right field names but anything as their values. */
const wrongTypes = {
  "/embed": fc.record({ texts: anyValue, model: anyValue }, { requiredKeys: [] }),
  "/bertscore": fc.record(
    { candidates: anyValue, references: anyValue, lang: anyValue, model_type: anyValue, idf: anyValue, rescale_with_baseline: anyValue },
    { requiredKeys: [] },
  ),
  "/v1/embeddings": fc.record(
    { input: anyValue, model: anyValue, encoding_format: anyValue, dimensions: anyValue, user: anyValue },
    { requiredKeys: [] },
  ),
};

/** Well-typed bodies with random texts, some longer than the limit, including lone surrogates and NULs. */
const texts = fc.array(
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 64 }),
    fc.string({ unit: "binary", maxLength: 64 }),
    fc.integer({ min: MAX_TEXT_LENGTH - 2, max: MAX_TEXT_LENGTH * 3 }).map((n) => "é".repeat(n)),
  ),
  { minLength: 0, maxLength: 6 },
);
const shapedBodies = {
  "/embed": fc.record({ texts }),
  "/bertscore": fc
    .tuple(texts, texts, fc.boolean())
    .map(([candidates, references, idf]) => ({ candidates, references, idf })),
  "/v1/embeddings": fc.record({ input: fc.oneof(texts, fc.string({ maxLength: 64 })) }),
};

/** Bytes that are not UTF-8: stray continuation bytes, overlongs, surrogates, truncated sequences. */
const invalidUtf8 = fc
  .tuple(
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]),
    fc.uint8Array({ maxLength: 40 }),
  )
  .map(([a, bad, b]) => {
    const prefix = new TextEncoder().encode('{"texts":["');
    const suffix = new TextEncoder().encode('"]}');
    return new Uint8Array([...prefix, ...a, ...bad, ...b, ...suffix]);
  })
  // the random bytes around the bad sequence can complete it (0xc3 then 0x80 is "À"): keep only bodies that are not UTF-8
  .filter((body) => !isUtf8(body));

/** Lists of up to 120,000 elements of any kind where texts belong (the review's 150,000-number body, scaled to the limit). */
const LIST_FIELDS = [
  ["/embed", (list: string) => `{"texts":${list}}`],
  ["/bertscore", (list: string) => `{"candidates":${list},"references":["a"]}`],
  ["/bertscore", (list: string) => `{"candidates":["a"],"references":${list}}`],
  ["/bertscore", (list: string) => `{"candidates":["a"],"references":[${list}]}`],
  ["/v1/embeddings", (list: string) => `{"input":${list}}`],
] as const;
const hugeLists = fc
  .tuple(
    fc.constantFrom(...LIST_FIELDS),
    fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 200, max: 120_000 })),
    fc.constantFrom("1", '"x"', "null", "[]", '["a"]', "{}", "true", '"\\ud800"'),
  )
  .map(([[path, wrap], count, element]) => ({ path, body: wrap(`[${Array(count).fill(element).join(",")}]`) }));

/** Content codings, some of which the proxy decodes, with bodies that are or are not encoded that way. */
const CODINGS = ["gzip", "x-gzip", "deflate", "identity", "br", "compress", "zstd", "gzip, gzip", "deflate, gzip", "GZIP", " gzip ", "x"];
const DECODED = new Set(["gzip", "x-gzip", "deflate", "identity"]);

const deepNesting = fc
  .tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom("[", '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => {
    const close = open === "[" ? "]" : "}";
    return `{"texts":${open.repeat(depth)}1${closed ? close.repeat(depth) : ""}}`;
  });

describe.each(RUNTIMES)("fuzzing on %s", (runtime) => {
  let backend: RuntimeBackend;
  let upstream: FaultUpstream;
  let target: Target;
  // One connection pool per test, so that a connection the proxy drops cannot fail the next test's requests.
  let agent: Agent;
  beforeEach(() => {
    agent = new Agent({ connections: 1 });
  });
  afterEach(async () => {
    await agent.close();
  });

  const send = async (sent: Sent) => {
    const headers: Record<string, string> = { "x-api-key": API_KEY, ...sent.headers };
    if (sent.contentType !== null) headers["content-type"] = sent.contentType ?? "application/json";
    const response = await fetch(target.url + sent.path, {
      method: sent.method ?? "POST",
      headers,
      body: sent.body,
      dispatcher: agent,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, text, contentType: response.headers.get("content-type") ?? "" };
  };

  /** The property every answer must have; returns the answer, with its error code when it has one. */
  const documented = async (sent: Sent) => {
    const answer = await send(sent);
    const where = `${sent.method ?? "POST"} ${sent.path} (${sent.contentType ?? "application/json"}) -> ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, where).toBeLessThan(500);
    const requested = new URL(target.url + sent.path).pathname;
    if ((requested === "/openapi.json" || requested === "/docs") && answer.status === 200) return { ...answer, code: undefined };
    let body: unknown;
    expect(() => (body = JSON.parse(answer.text)), where).not.toThrow();
    // fetch resolves dot segments as any client does: check against the route actually requested.
    expect(checkDocumentedShape(requested, answer.status, body), where).toBeUndefined();
    return { ...answer, code: (body as { code?: string }).code };
  };
  const expectDocumented = async (sent: Sent): Promise<void> => {
    await documented(sent);
  };

  /** fc.assert, with the counterexample cut short: some are megabytes long. */
  const check = async (property: fc.IAsyncPropertyWithHooks<[Sent]> | fc.IAsyncProperty<[Sent]>) => {
    const details = await fc.check(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
    if (!details.failed) return;
    const example = JSON.stringify(details.counterexample?.[0]) ?? "";
    const error = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance));
    const cause = (error.cause as Error | undefined)?.message;
    throw new Error(
      `property failed (seed ${details.seed}, path "${details.counterexamplePath ?? ""}"): ` +
        `${error.message.slice(0, 600)}${cause ? ` (cause: ${cause})` : ""}\n` +
        `counterexample (${example.length} chars): ${example.slice(0, 400)}`,
    );
  };

  beforeAll(async () => {
    requirePrerequisites(missingFor(runtime), "npm ci");
    backend = await createRuntimeBackend();
    upstream = await startFaultUpstream({ backend: backend.fetch });
    target = await startTarget(runtime, upstream.url, {
      API_KEY,
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      GPU_MAX_TEXT_LENGTH: String(MAX_TEXT_LENGTH),
      GPU_MAX_BATCH_SIZE: "4",
    });
  });
  afterAll(async () => {
    await target?.stop();
    await upstream?.close();
    await backend?.close();
  });

  it(`random JSON bodies (seed ${SEED})`, async () => {
    await check(
      fc.asyncProperty(
        fc.record({ path: fc.constantFrom(...POST_ROUTES), body: jsonText }),
        async (sent: Sent) => expectDocumented(sent),
      ),
    );
  });

  it("right field names, wrong types", async () => {
    for (const path of POST_ROUTES) {
      await check(
        fc.asyncProperty(
          wrongTypes[path].map((body) => ({ path, body: JSON.stringify(body) })),
          async (sent: Sent) => expectDocumented(sent),
        ),
      );
    }
  });

  it("well-typed bodies with random, empty, binary and too-long texts", async () => {
    for (const path of POST_ROUTES) {
      await check(
        fc.asyncProperty(
          (shapedBodies[path] as fc.Arbitrary<unknown>).map((body) => ({ path, body: JSON.stringify(body) })),
          async (sent: Sent) => expectDocumented(sent),
        ),
      );
    }
  });

  it("huge strings and bodies over the limit", async () => {
    await check(
      fc.asyncProperty(
        fc.record({
          path: fc.constantFrom(...POST_ROUTES),
          body: fc
            .tuple(fc.integer({ min: MAX_BODY_BYTES / 2, max: MAX_BODY_BYTES * 4 }), fc.constantFrom("x", "\u00e9", "\u{1f600}", "\\u0000"))
            .map(([n, unit]) => `{"texts":["${unit.repeat(Math.ceil(n / unit.length))}"],"input":"x","candidates":["x"],"references":["x"]}`),
        }),
        async (sent: Sent) => {
          const over = Buffer.byteLength(sent.body as string) > MAX_BODY_BYTES;
          // Refused early, the rest of an over-limit body is not read: a client still writing it when the server
          // closes may see the close (EPIPE, ECONNRESET) before the 413. Nothing else may fail.
          await expectDocumented(sent).catch((err: unknown) => {
            const code = ((err as Error).cause as { code?: string } | undefined)?.code;
            if (!(over && (code === "EPIPE" || code === "ECONNRESET" || code === "UND_ERR_SOCKET"))) throw err;
          });
        },
      ),
    );
  });

  it("invalid UTF-8 bodies are a 400 invalid_json, never read with replacement characters", async () => {
    await check(
      fc.asyncProperty(
        fc.record({ path: fc.constantFrom(...POST_ROUTES), body: invalidUtf8 }),
        async (sent: Sent) => {
          const answer = await documented(sent);
          expect([answer.status, answer.code], answer.text.slice(0, 300)).toEqual([400, "invalid_json"]);
        },
      ),
    );
  });

  it("lists of any length and elements where texts belong get a short answer", async () => {
    await check(
      fc.asyncProperty(hugeLists, async (sent: Sent) => {
        const answer = await documented(sent);
        expect(answer.text.length, `${answer.status} ${answer.text.slice(0, 200)}`).toBeLessThan(4096);
      }),
    );
  });

  it("content codings: decoded when supported and the body matches, else a 400 or 415", async () => {
    const plain = '{"texts":["hi"],"input":"hi","candidates":["a"],"references":["b"]}';
    await check(
      fc.asyncProperty(
        fc.record({ path: fc.constantFrom(...POST_ROUTES), coding: fc.constantFrom(...CODINGS), encoded: fc.boolean() }),
        async ({ path, coding, encoded }) => {
          const names = coding.split(",").map((c) => c.trim().toLowerCase());
          // at most one coding in all (stacked codings cost work before any limit applies)
          const supported = names.length === 1 && DECODED.has(names[0]!);
          let body: Uint8Array = new TextEncoder().encode(plain);
          if (encoded && supported) {
            for (const name of names) {
              if (name === "deflate") body = deflateSync(body);
              else if (name !== "identity") body = gzipSync(body);
            }
          }
          const answer = await documented({ path, body, headers: { "content-encoding": coding } });
          const decodable = supported && (encoded || names.every((c) => c === "identity"));
          if (decodable) expect(answer.status, `${coding}: ${answer.text.slice(0, 200)}`).toBe(200);
          else if (!supported) expect([answer.status, answer.code], coding).toEqual([415, "unsupported_media_type"]);
          else expect([answer.status, answer.code], coding).toEqual([400, "invalid_json"]);
        },
      ),
    );
  });

  it("deep nesting", async () => {
    await check(
      fc.asyncProperty(
        fc.record({ path: fc.constantFrom(...POST_ROUTES), body: deepNesting }),
        async (sent: Sent) => expectDocumented(sent),
      ),
    );
  });

  it("odd content types on valid bodies", async () => {
    await check(
      fc.asyncProperty(
        fc.record({
          path: fc.constantFrom(...POST_ROUTES),
          contentType: fc.constantFrom(...ODD_CONTENT_TYPES),
          body: fc.constant('{"texts":["hi"],"input":"hi","candidates":["a"],"references":["b"]}'),
        }),
        async (sent: Sent) => expectDocumented(sent),
      ),
    );
  });

  it("odd methods, paths, query strings and headers", async () => {
    const path = fc.oneof(
      fc.constantFrom(...POST_ROUTES, ...GET_ROUTES),
      fc.webPath(),
      fc.constantFrom("/embed/", "//embed", "/EMBED", "/embed/../info", "/%2e%2e/info", "/v2/repository/index", "/embed%00"),
    );
    await check(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
          path: fc.tuple(path, fc.webQueryParameters()).map(([p, q]) => (q ? `${p}?${q}` : p)),
          headers: fc.dictionary(
            fc.constantFrom("accept", "accept-encoding", "x-request-id", "content-encoding", "transfer-encoding-x", "range"),
            fc.string({ unit: "grapheme-ascii", maxLength: 40 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
            { maxKeys: 3 },
          ),
        }),
        async ({ method, path: p, headers }: Sent) =>
          expectDocumented({
            method,
            path: p,
            headers,
            ...(method === "GET" || method === "OPTIONS" ? { contentType: null } : { body: '{"texts":["hi"]}' }),
          }),
      ),
    );
  });
});
