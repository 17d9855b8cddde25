/** Which Content-Types the POST routes read, and that no header, however odd, turns into a 5xx. */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeApp, type NodeApp } from "../node/server.js";
import { FIXTURE_ENV } from "../../test/support/api.suite.js";
import { jsonBodyRoutes } from "./app.js";
import { contentTypeProblem } from "./json-body.js";

describe("contentTypeProblem", () => {
  const accepted = [
    "application/json",
    "APPLICATION/JSON",
    "application/json; charset=utf-8",
    'application/json;charset="UTF-8"',
    "application/json; charset=utf8",
    "application/json; charset=unicode-1-1-utf-8",
    "application/vnd.api+json",
    "application/json; charset=utf-8; profile=x",
  ];
  for (const header of accepted) {
    it(`accepts ${header}`, () => expect(contentTypeProblem(header)).toBeUndefined());
  }

  const refused: [string | undefined, RegExp][] = [
    [undefined, /got none/],
    ["", /got none/],
    ["text/plain", /expected Content-Type: application\/json/],
    ["application/jsonx", /expected Content-Type: application\/json/],
    ["application/json, text/plain", /malformed Content-Type/],
    ["application/json; charset=latin1", /must be UTF-8, got charset 'latin1'/],
    ["application/json; charset=ISO-8859-1", /must be UTF-8/],
    ["application/json; charset=utf-16", /must be UTF-8/],
    ["application/json; charset=utf-16le", /must be UTF-8/],
    ["application/json; charset=nonsense", /must be UTF-8/],
    ["application/json;;;", /malformed Content-Type/],
    ["application/json;", /malformed Content-Type/],
    ["application/json ; charset=utf-8", /malformed Content-Type/],
    ["application/json; charset", /malformed Content-Type/],
  ];
  for (const [header, message] of refused) {
    it(`refuses ${JSON.stringify(header)}`, () => expect(contentTypeProblem(header)).toMatch(message));
  }
});

describe("odd Content-Types over the app", () => {
  let node: NodeApp;

  // The upstream is never reached: every body here fails validation (422) when its type is accepted.
  beforeAll(async () => {
    node = await createNodeApp({ ...FIXTURE_ENV, TRITON_URL: "http://127.0.0.1:9" }, { log: () => {} });
  });

  afterAll(async () => {
    await node?.close();
  });

  const jsonish = fc.oneof(
    fc.string({ unit: "binary-ascii", maxLength: 40 }).map((tail) => `application/json${tail}`),
    fc
      .array(fc.constantFrom(";", " ", "=", '"', "charset", "utf-8", "latin1", "+", ",", "\t", "x", "\\"), { maxLength: 12 })
      .map((parts) => `application/json${parts.join("")}`),
  );

  it("reads the body of exactly the POST routes whose OpenAPI definition has a JSON body", async () => {
    expect(jsonBodyRoutes(node.app).sort()).toEqual(["/bertscore", "/embed", "/v1/embeddings"]);
    const notJson = { method: "POST", headers: { "content-type": "text/plain" }, body: "x" };
    expect((await node.fetch(new Request("http://127.0.0.1/embed", notJson))).status).toBe(415);
    // a POST to a route without a body is not read as one: 404 for the path, not 415 for the body
    expect((await node.fetch(new Request("http://127.0.0.1/health", notJson))).status).toBe(404);
  });

  it("answers 415 or 422, never 5xx, on /embed, /bertscore and /v1/embeddings", async () => {
    await fc.assert(
      fc.asyncProperty(jsonish, fc.constantFrom("/embed", "/bertscore", "/v1/embeddings"), async (type, path) => {
        let headers: Headers;
        try {
          headers = new Headers({ "content-type": type });
        } catch {
          return; // not a header value any client can send
        }
        const res = await node.fetch(new Request(`http://127.0.0.1${path}`, { method: "POST", headers, body: "{}" }));
        const body = (await res.json()) as { code: string };
        expect([415, 422], `${JSON.stringify(type)} → ${res.status} ${body.code}`).toContain(res.status);
        expect(body.code).toBe(res.status === 415 ? "unsupported_media_type" : "validation_error");
      }),
      { numRuns: 300 },
    );
  });
});
