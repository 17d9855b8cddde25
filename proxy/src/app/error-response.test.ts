/** What clients see for errors thrown by hono's own checks and by anything unexpected. */
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.js";
import { UpstreamError } from "../kserve/client.js";
import { toApiError } from "./error-response.js";

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
