/** What of an upstream's error text reaches clients and logs. */
import { describe, expect, it } from "vitest";
import { MAX_UPSTREAM_MESSAGE, upstreamMessage } from "./errors.js";

describe("upstreamMessage", () => {
  const cases: [string, string, string][] = [
    ["keeps a contract message", '{"error":"CANDIDATE has 2 rows but REFERENCE has 1"}', "CANDIDATE has 2 rows but REFERENCE has 1"],
    [
      "drops Triton's request id",
      '{"error":"[request id: <id_unknown>] inference request batch-size must be <= 64 for \'embed\'"}',
      "inference request batch-size must be <= 64 for 'embed'",
    ],
    [
      "replaces file paths and URLs",
      '{"error":"cannot open /opt/tritonserver/models/embed/1/model.py (from http://10.0.0.5:8000/v2, C:\\\\models\\\\x)"}',
      "cannot open <path> (from <url>, <path>)",
    ],
    ["keeps names with a slash that are not paths", '{"error":"expected TEXT/REFERENCE"}', "expected TEXT/REFERENCE"],
    ["takes text that is not JSON", "upstream connect error\n  at /srv/app.js:1:2", "upstream connect error at <path>:1:2"],
    ["reads the start of a cut-off error body", '{"error":"model failed: out of memory', "model failed: out of memory"],
    ["names the status when there is no text", "", "HTTP 400"],
    ["masks host:port", '{"error":"failed to connect to triton-0.svc.cluster.local:8001 and localhost:8000"}', "failed to connect to <host> and <host>"],
    [
      "masks IP literals, v4 and v6, with or without a port",
      '{"error":"peers 10.0.0.5, 192.168.1.20:8001, [fe80::1]:8000, ::1 and 2001:db8:0:0:0:0:2:1 refused"}',
      "peers <host>, <host>, <host>, <host> and <host> refused",
    ],
    [
      "masks relative and home paths",
      '{"error":"cannot read models/embed/1/model.py, ./secrets/key.pem, ../etc/passwd or ~/models/x.onnx (~triton/.cache)"}',
      "cannot read <path>, <path>, <path> or <path> (<path>)",
    ],
    [
      "masks token= and Bearer values",
      '{"error":"denied: token=abc123secret&user=x, api_key=k3y, Authorization: Bearer eyJhbGciOi.x.y"}',
      "denied: token=<redacted>&user=x, api_key=<redacted>, Authorization: Bearer <redacted>",
    ],
    ["keeps hub ids, versions and numbers", '{"error":"model FacebookAI/roberta-large v2.1 expects 1.5 at 12 rows"}', "model FacebookAI/roberta-large v2.1 expects 1.5 at 12 rows"],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => expect(upstreamMessage(text, 400)).toBe(expected));
  }

  it(`cuts any text to ${MAX_UPSTREAM_MESSAGE} characters`, () => {
    const message = upstreamMessage(`{"error":"${"x".repeat(50_000)}"}`, 400);
    expect(message).toHaveLength(MAX_UPSTREAM_MESSAGE);
    expect(message.endsWith("…")).toBe(true);
  });
});
