/**
 * Security on both runtimes (Node process, Workers under wrangler dev), in front of a recording KServe v2
 * upstream backed by the embedded runtime: the API key guards every route but /health; hostile model names never
 * reach the upstream; body limits hold; no response body gives away paths, stack traces or the upstream address.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultUpstream, type FaultUpstream } from "../reliability/fault-upstream.js";
import { REPO_ROOT } from "../reliability/proxy-process.js";
import { checkDocumentedShape } from "../reliability/response-shapes.js";
import { createRuntimeBackend, type RuntimeBackend } from "../reliability/runtime-backend.js";
import { RUNTIMES, startTarget, unavailable, type Target } from "../reliability/targets.js";

const API_KEY = "security-test-key";
const MAX_BODY_BYTES = 64 * 1024;
const PUBLIC_ROUTES = ["GET /health"];
/** Every other route of the API, documented or not. */
const GUARDED_ROUTES = [
  "GET /info",
  "GET /status",
  "POST /embed",
  "POST /bertscore",
  "POST /v1/embeddings",
  "GET /openapi.json",
  "GET /docs",
  "GET /metrics",
  "GET /no-such-route",
];

const HOSTILE_MODEL_NAMES = [
  "..",
  "../embed",
  "../../v2/repository/index",
  "embed/../../v2/repository/models/embed/unload",
  "%2e%2e",
  "%2e%2e%2fv2%2frepository%2findex",
  "%252e%252e%252f",
  "embed%2Finfer",
  "embed%2F..%2F..%2Frepository%2Fmodels%2Fembed%2Funload",
  "..\\embed",
  "repository",
  "load",
  "unload",
  "embed/load",
  "embed/unload",
  "v2/repository/models/embed/load",
  "embed?unload=1",
  "embed#x",
  "embed\u0000",
  "embed\r\nX-Injected: 1",
  "tiny-bert/../embed",
  "ｅｍｂｅｄ",
  "/",
  // a prefix before the last `/` other than the model's hub id (issue: "http://evil/all-MiniLM-L6-v2" → 200)
  "http://evil/tiny-bert",
  "evil/tiny-bert",
  "sentence-transformers/tiny-bert",
];

interface Answer {
  status: number;
  text: string;
  body: unknown;
}

describe.each(RUNTIMES)("security on %s", (runtime) => {
  const skip = unavailable(runtime);
  let backend: RuntimeBackend;
  let upstream: FaultUpstream;
  let target: Target;
  const bodies: string[] = [];

  const call = async (method: string, path: string, init: { body?: string | ReadableStream<Uint8Array>; headers?: Record<string, string>; key?: string | null } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.key !== null) headers["x-api-key"] = init.key ?? API_KEY;
    const response = await fetch(target.url + path, {
      method,
      headers,
      body: init.body,
      signal: AbortSignal.timeout(30_000),
      ...(init.body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
    const text = await response.text();
    bodies.push(text);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, text, body } satisfies Answer;
  };
  const post = (path: string, payload: unknown, key?: string | null) =>
    call("POST", path, { body: JSON.stringify(payload), headers: { "content-type": "application/json" }, key });

  beforeAll(async () => {
    if (skip) return;
    backend = await createRuntimeBackend();
    upstream = await startFaultUpstream({ backend: backend.fetch });
    target = await startTarget(runtime, upstream.url, { API_KEY, MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
  });
  afterAll(async () => {
    await target?.stop();
    await upstream?.close();
    await backend?.close();
  });

  it.skipIf(skip)(`public routes answer without the key (${skip ?? runtime})`, async () => {
    for (const route of PUBLIC_ROUTES) {
      const [method, path] = route.split(" ") as [string, string];
      const answer = await call(method, path, { key: null });
      expect(answer.status, route).not.toBe(401);
    }
  });

  it.skipIf(skip)("every other route needs the right key, as X-API-Key or Bearer", async () => {
    for (const route of GUARDED_ROUTES) {
      const [method, path] = route.split(" ") as [string, string];
      const withBody = method === "POST" ? { body: '{"texts":["x"]}', headers: { "content-type": "application/json" } } : {};
      for (const key of [null, "", "wrong-key", `${API_KEY}x`, API_KEY.slice(0, -1)]) {
        const answer = await call(method, path, { ...withBody, key });
        expect(answer.status, `${route} key=${String(key)}`).toBe(401);
        expect(checkDocumentedShape(path, answer.status, answer.body), route).toBeUndefined();
        expect((answer.body as { code: string }).code).toBe("unauthorized");
      }
      const bearer = await call(method, path, { ...withBody, key: null, headers: { ...withBody.headers, authorization: `Bearer ${API_KEY}` } });
      expect(bearer.status, `${route} with Bearer`).not.toBe(401);
    }
    // The documented routes are all in the list above (a new route must be added to one of them).
    const spec = (await call("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const method of Object.keys(operations)) {
        const route = `${method.toUpperCase()} ${path}`;
        expect([...PUBLIC_ROUTES, ...GUARDED_ROUTES], `${route} is neither public nor guarded`).toContain(route);
      }
    }
  });

  it.skipIf(skip)("an unknown model name is quoted in at most 100 characters", async () => {
    const name = `evil/${"x".repeat(MAX_BODY_BYTES - 200)}`;
    for (const [path, payload] of [
      ["/embed", { texts: ["a"], model: name }],
      ["/bertscore", { candidates: ["a"], references: ["b"], model_type: name }],
      ["/v1/embeddings", { input: "a", model: name }],
    ] as const) {
      const answer = await post(path, payload);
      expect(answer.status, path).toBe(422);
      expect(answer.text.length, path).toBeLessThan(1000);
      expect((answer.body as { detail: string }).detail, path).toContain(`'evil/${"x".repeat(95)}…' (${name.length} characters)`);
    }
  });

  it.skipIf(skip)("hostile model names never reach the upstream", async () => {
    const before = upstream.accessLog.length;
    for (const name of HOSTILE_MODEL_NAMES) {
      const answers = [
        await post("/embed", { texts: ["hello"], model: name }),
        await post("/bertscore", { candidates: ["a cat"], references: ["a dog"], model_type: name }),
        await post("/v1/embeddings", { input: "hello", model: name }),
      ];
      for (const answer of answers) {
        expect(answer.status, `model ${JSON.stringify(name)}: ${answer.text}`).toBeGreaterThanOrEqual(400);
        expect(answer.status, `model ${JSON.stringify(name)}: ${answer.text}`).toBeLessThan(500);
      }
    }
    const served = (await backend.index()).map((name) => encodeURIComponent(name));
    const allowed = new RegExp(
      `^(/v2|/v2/health/(ready|live)|/v2/repository/index|/v2/models/(${served.map(escapeRegExp).join("|")})(/versions/[0-9]+)?(/config|/ready|/infer)?)$`,
    );
    const reached = upstream.accessLog.slice(before);
    for (const entry of reached) {
      expect(entry.rawPath, `${entry.method} ${entry.rawPath} reached the upstream`).toMatch(allowed);
      expect(entry.rawPath).not.toMatch(/\.\.|%2e|%2f|%5c|load|\\/i);
    }
    // The requests above must still have gone somewhere: a sanity check that the log records this runtime's calls.
    const valid = await post("/embed", { texts: ["hello"] });
    expect(valid.status, valid.text).toBe(200);
    expect(upstream.accessLog.length).toBeGreaterThan(before);
  });

  it.skipIf(skip)("body limits hold, declared or streamed, and the connection stays usable", async () => {
    const padded = (size: number) => {
      const start = '{"texts":["hello"]}';
      return start + " ".repeat(size - start.length);
    };
    const json = { "content-type": "application/json" };
    // A refused body must not cost the client its next request on the same keep-alive connection.
    const expectFollowUpWorks = async (after: string) => {
      const next = await call("POST", "/embed", { body: '{"texts":["next"]}', headers: json }).catch((error: Error) => {
        throw new Error(`the request after ${after} was lost: ${error.message} (${String((error.cause as Error)?.message)})`);
      });
      expect(next.status, `after ${after}: ${next.text}`).toBe(200);
    };

    const under = await call("POST", "/embed", { body: padded(MAX_BODY_BYTES - 1024), headers: json });
    expect(under.status, under.text).toBe(200);

    const over = await call("POST", "/embed", { body: padded(MAX_BODY_BYTES + 1), headers: json });
    expect(over.status, over.text).toBe(413);
    expect((over.body as { code: string }).code).toBe("body_too_large");
    await expectFollowUpWorks("a body one byte over the limit");

    const huge = await call("POST", "/bertscore", { body: padded(MAX_BODY_BYTES * 16), headers: json });
    expect(huge.status, huge.text).toBe(413);
    await expectFollowUpWorks("a body 16 times the limit");

    const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"texts":["hello"]}'));
        if (sent > MAX_BODY_BYTES * 2) controller.close();
        else controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const streamed = await call("POST", "/embed", { body: stream, headers: json }).catch((error: Error) => error);
    if (streamed instanceof Error) {
      // wrangler dev's local proxy may reset an upload the Worker stopped reading instead of relaying the 413.
      expect(runtime, `streamed upload failed: ${String((streamed.cause as Error)?.message)}`).toBe("workers");
    } else {
      expect(streamed.status, streamed.text).toBe(413);
      expect((streamed.body as { code: string }).code).toBe("body_too_large");
    }
    // On workers the connection after an abandoned upload belongs to wrangler dev's local proxy, which answers
    // 503 "Your worker restarted mid-request" (dev-server behaviour, not the Worker's); Node must keep it usable.
    if (runtime === "node") await expectFollowUpWorks("a chunked body past the limit");
  });

  it.skipIf(skip)("upstream failures answer without internal detail", async () => {
    const provoke = async () => {
      const answers = [
        await post("/embed", { texts: ["a fault"] }),
        await post("/bertscore", { candidates: ["a"], references: ["b"] }),
        await call("GET", "/info"),
        await call("GET", "/health"),
      ];
      for (const answer of answers) expect(answer.status, answer.text).toBeLessThan(600);
      return answers;
    };
    for (const fault of ["status-500", "malformed-json", "truncated-binary", "reset"] as const) {
      upstream.setRates({ [fault]: 1 }, { [fault]: 1 });
      const answers = await provoke();
      expect(answers.some((a) => a.status >= 500), `${fault} gave no upstream error`).toBe(true);
    }
    upstream.setRates({}, {});
    await upstream.kill();
    const down = await provoke();
    expect(down.some((a) => a.status >= 500)).toBe(true);
    await upstream.restart();
  });

  it.skipIf(skip)("no response body names a file, a stack frame or the upstream address", () => {
    expect(bodies.length).toBeGreaterThan(50);
    const secrets = [
      upstream.url,
      `127.0.0.1:${upstream.port}`,
      `localhost:${upstream.port}`,
      REPO_ROOT.replace(/\/$/, ""),
      "node_modules",
      API_KEY,
    ];
    const patterns = [/\bat [\w.<>]+ \(/, /\.[cm]?[jt]s:\d+/, /\/src\//, /file:\/\//];
    for (const text of bodies) {
      for (const secret of secrets) expect(text, `body leaks ${secret}`).not.toContain(secret);
      for (const pattern of patterns) expect(text, `body matches ${pattern}`).not.toMatch(pattern);
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
