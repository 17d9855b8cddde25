/**
 * The original openclaw-gpu-bridge service (v0.1.0 and v0.2.1) as its clients know it: each request its plugin and
 * README send, checked against the original's own request schema, then answered here with the original's response
 * schema (test/fixtures/original-service.json, generated from its pydantic models). Part of the API suite, so it
 * runs on Node and in workerd.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import original from "../fixtures/original-service.json" with { type: "json" };
import { FIXTURE_MODELS } from "./fixture-env.js";

interface Exchange {
  name: string;
  method: string;
  path: string;
  request?: string;
  body?: Record<string, unknown>;
  status: number;
  response: string;
  expect?: Record<string, unknown>;
}

const PLACEHOLDERS: Record<string, string> = {
  $EMBED_MODEL: FIXTURE_MODELS.embed,
  $BERTSCORE_MODEL: FIXTURE_MODELS.bertscore,
  $EMBED_HUB_ID: FIXTURE_MODELS.embedHubId,
  $BERTSCORE_HUB_ID: FIXTURE_MODELS.bertscoreHubId,
};

function fill(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [key, typeof value === "string" ? (PLACEHOLDERS[value] ?? value) : value]),
  );
}

/** The model a 200 must name: the one the request named, else the served default (the original echoed both). */
function expectedModel(path: string, body: Record<string, unknown>): string {
  const named = path === "/embed" ? body.model : body.model_type;
  if (typeof named === "string" && named !== "") return named;
  return path === "/embed" ? FIXTURE_MODELS.embed : FIXTURE_MODELS.bertscore;
}

export function defineOriginalServiceSuite(request: (path: string, init?: RequestInit) => Promise<Response>): void {
  for (const [version, spec] of Object.entries(original.versions)) {
    describe(`clients of the original service ${version}`, () => {
      const schemas = spec.schemas as Record<string, Parameters<typeof z.fromJSONSchema>[0]>;
      const schema = (name: string) => z.fromJSONSchema(schemas[name] as Parameters<typeof z.fromJSONSchema>[0]);
      for (const exchange of spec.exchanges as Exchange[]) {
        it(`${exchange.method} ${exchange.path}: ${exchange.name} → ${exchange.status}`, async () => {
          const body = exchange.body ? fill(exchange.body) : undefined;
          if (exchange.request) expect(schema(exchange.request).safeParse(body).error).toBeUndefined();
          const res = await request(exchange.path, {
            method: exchange.method,
            ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
          });
          const answer = (await res.json()) as Record<string, unknown>;
          expect(res.status, JSON.stringify(answer)).toBe(exchange.status);
          expect(schema(exchange.response).safeParse(answer).error).toBeUndefined();
          if (exchange.expect) expect(answer).toMatchObject(exchange.expect);
          if (body && res.status === 200) expect(answer.model).toBe(expectedModel(exchange.path, body));
        });
      }
    });
  }
}
