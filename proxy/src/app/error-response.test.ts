/** What clients see for errors thrown by hono's own checks and by anything unexpected. */
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { ApiError, MAX_DETAIL_LENGTH, MAX_ISSUES } from "@gpu-bridge/contract/errors";
import { embedRequestSchema, openAIEmbeddingsRequestSchema } from "@gpu-bridge/contract/schemas";
import { UpstreamError } from "@gpu-bridge/kserve/inference";
import { toApiError, validationFailure } from "./error-response.js";

describe("toApiError", () => {
  const cases: [string, unknown, string, number][] = [
    ["hono's malformed JSON", new HTTPException(400, { message: "Malformed JSON in request body" }), "invalid_json", 400],
    ["hono's 401", new HTTPException(401), "unauthorized", 401],
    ["hono's body limit", new HTTPException(413), "body_too_large", 413],
    ["the OpenAPI media type gate", new HTTPException(415, { message: "Unsupported Media Type" }), "unsupported_media_type", 415],
    ["another HTTPException", new HTTPException(418), "internal_error", 500],
    ["a plain Error", new Error("boom at /srv/app.js:1:1"), "internal_error", 500],
    ["an upstream timeout", new UpstreamError("timeout", "late"), "upstream_timeout", 504],
  ];
  for (const [name, err, code, status] of cases) {
    it(`${name} → ${status} ${code}`, () => {
      const error = toApiError(err);
      expect(error).toBeInstanceOf(ApiError);
      expect([error.code, error.status]).toEqual([code, status]);
      expect(error.message).not.toContain("/srv/app.js");
    });
  }
});

describe("validationFailure", () => {
  const limits = { maxItems: 3, maxTextLength: 5 };
  const failure = (schema: { safeParse(v: unknown): { error?: { issues: unknown[] } } }, value: unknown) =>
    validationFailure((schema.safeParse(value).error?.issues ?? []) as Parameters<typeof validationFailure>[0]);

  it("answers a list over the limit 413 too_many_items, also inside a union", () => {
    const error = failure(openAIEmbeddingsRequestSchema(limits), { input: ["a", "b", "c", "d"] });
    expect([error.code, error.message]).toEqual(["too_many_items", "input: 4 items; at most 3 per request"]);
  });

  it("answers a text over the limit 413 text_too_long", () => {
    const error = failure(embedRequestSchema(limits), { texts: ["ok", "too long"] });
    expect([error.code, error.message]).toEqual(["text_too_long", "texts.1: 8 characters; at most 5"]);
  });

  it("lists the first issues only, and names three of them in detail", () => {
    const error = failure(embedRequestSchema({ maxItems: 1000, maxTextLength: 5 }), { texts: Array.from({ length: 1000 }, (_, i) => i) });
    expect(error.code).toBe("validation_error");
    expect(error.extra.issues).toHaveLength(MAX_ISSUES);
    expect(error.message).toMatch(/^texts\.0: .+; texts\.1: .+; texts\.2: .+ \(and 997 more\)$/);
  });
});

describe("ApiError", () => {
  it(`cuts detail to ${MAX_DETAIL_LENGTH} characters, whatever echoed into it`, () => {
    const error = new ApiError("unknown_model", `model '${"m".repeat(8_000_000)}' is not served`);
    expect(error.body().detail).toHaveLength(MAX_DETAIL_LENGTH);
  });
});
