/**
 * The proxy in front of an upstream that lies (testing/hostile-upstream.ts), shared by Node (the app over its
 * undici pool) and workerd (the Worker over fetch): a lying upstream gets a 502 or a short 422, never a wrong 200,
 * a leak of UPSTREAM_HEADERS, an unbounded read or an unbounded message.
 */
import { describe, expect, it } from "vitest";
import { MAX_DETAIL_LENGTH } from "@gpu-bridge/contract/errors";
import { FIXTURE_MODELS } from "@gpu-bridge/test-support/fixture-env";
import type { HostileRecord, HostileScenario } from "@gpu-bridge/test-support/hostile-upstream";
import { waitFor } from "@gpu-bridge/test-support/wait";

export interface HostileSuiteContext {
  /** Sends a request to a proxy configured with `env` (TRITON_URL among them) on top of the fixture settings. */
  request(env: Record<string, string>, path: string, init?: RequestInit): Promise<Response>;
  /** TRITON_URL for a scenario. */
  urlOf(scenario: HostileScenario): string;
  records(): Promise<HostileRecord[]>;
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

const EMBED = post({ texts: ["a lying upstream"] });
const BERTSCORE = post({ candidates: ["a cat sat"], references: ["a cat was sitting"] });
const BERTSCORE_IDF = post({ candidates: ["a cat sat"], references: ["a cat was sitting"], idf: true });

async function errorOf(res: Response): Promise<{ status: number; code: string; detail: string }> {
  const body = (await res.json()) as { code: string; detail: string };
  return { status: res.status, code: body.code, detail: body.detail };
}

export function defineHostileUpstreamSuite(ctx: () => HostileSuiteContext): void {
  const via = (scenario: HostileScenario, path: string, init: RequestInit, env: Record<string, string> = {}) =>
    ctx().request({ TRITON_URL: ctx().urlOf(scenario), ...env }, path, init);
  /** The records the hostile upstream made while `action` ran. */
  const during = async (action: () => Promise<void>): Promise<HostileRecord[]> => {
    const before = (await ctx().records()).length;
    await action();
    return (await ctx().records()).slice(before);
  };
  /** The inference call made while `action` ran, once the proxy has closed its connection (else a timeout). */
  const abandonedInference = async (action: () => Promise<void>): Promise<HostileRecord> => {
    const before = (await ctx().records()).length;
    await action();
    let infer: HostileRecord | undefined;
    await waitFor(
      async () => {
        infer = (await ctx().records()).slice(before).find((r) => r.path.endsWith("/infer") && r.closedEarly);
        return infer !== undefined;
      },
      10_000,
      "the proxy to close the upstream's answer",
    );
    return infer as HostileRecord;
  };

  describe("in front of a lying upstream", () => {
    it("never follows a redirect, so UPSTREAM_HEADERS and texts stay with the configured upstream", async () => {
      const secret = "cf-secret-never-leaves";
      const seen = await during(async () => {
        const res = await via("redirect", "/embed", EMBED, { UPSTREAM_HEADERS: JSON.stringify({ "cf-access-client-secret": secret }) });
        expect(await errorOf(res)).toMatchObject({ status: 502, code: "upstream_error" });
      });
      expect(seen.some((r) => r.scenario === "redirect" && !r.redirected), "the upstream was called").toBe(true);
      expect(seen.filter((r) => r.redirected), "calls that reached the redirect's target").toEqual([]);
    });

    it("refuses an answer that declares 1 GiB at once, and closes its connection", async () => {
      await abandonedInference(async () => {
        // A proxy that waited for the body would answer 504 after this deadline.
        const res = await via("huge-declared", "/embed", EMBED, { UPSTREAM_TIMEOUT_MS: "30000" });
        expect(await errorOf(res)).toMatchObject({ status: 502, code: "upstream_error" });
      });
    });

    it("stops reading a streamed answer once it is larger than the request's outputs can be", async () => {
      const infer = await abandonedInference(async () => {
        const res = await via("huge-streamed", "/embed", EMBED);
        expect(await errorOf(res)).toMatchObject({ status: 502, code: "upstream_error" });
      });
      // One text's answer is under 100 KiB; what was written past that sat in socket buffers when the proxy hung up.
      expect(infer.bytesSent).toBeLessThan(32 * 2 ** 20);
    });

    it("answers an upstream's 50 MB error with at most 1 KB, without Triton's request id or file paths", async () => {
      const infer = await abandonedInference(async () => {
        const res = await via("huge-error", "/embed", EMBED);
        const error = await errorOf(res);
        expect(error).toMatchObject({ status: 422, code: "upstream_rejected" });
        expect(error.detail.length).toBeLessThanOrEqual(MAX_DETAIL_LENGTH);
        expect(error.detail).toMatch(/^model\.py failed reading <path>: x+/);
        expect(error.detail).not.toContain("request id");
        expect(error.detail).not.toContain("/opt/");
      });
      expect(infer.bytesSent).toBeLessThan(32 * 2 ** 20);
    });

    const lies: [HostileScenario, string, RequestInit][] = [
      ["embed-nan", "/embed", EMBED],
      ["embed-inf", "/embed", EMBED],
      ["embed-inf", "/v1/embeddings", post({ input: "a lying upstream" })],
      ["embed-zero-dims", "/embed", EMBED],
      ["embed-huge-norm", "/embed", EMBED],
      ["embed-huge-norm", "/v1/embeddings", post({ input: ["a", "b"], encoding_format: "base64" })],
      ["bertscore-f1-inf", "/bertscore", BERTSCORE],
      ["bertscore-f1-huge", "/bertscore", BERTSCORE],
      ["bertscore-f1-mismatch", "/bertscore", BERTSCORE],
      ["bertscore-precision-nan", "/bertscore", BERTSCORE],
    ];
    for (const [scenario, path, init] of lies) {
      it(`answers 502 upstream_error, not a wrong 200, when the upstream lies (${scenario} on ${path})`, async () => {
        const res = await via(scenario, path, init);
        expect(await errorOf(res)).toMatchObject({ status: 502, code: "upstream_error" });
      });
    }

    it("still answers bert_score's own NaN precision as null (the documented case: idf on)", async () => {
      const res = await via("bertscore-precision-nan", "/bertscore", BERTSCORE_IDF);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { precision: (number | null)[]; f1: number[]; model: string };
      expect(body.precision).toEqual([null]);
      expect(body.f1).toEqual([0]);
      expect(body.model).toBe(FIXTURE_MODELS.bertscore);
    });

    it("answers a connection cut mid-answer with 502 and does not send the call to the next upstream", async () => {
      const seen = await during(async () => {
        const res = await ctx().request({ TRITON_URL: `${ctx().urlOf("cut-mid-answer")},${ctx().urlOf("honest")}` }, "/embed", EMBED);
        expect(await errorOf(res)).toMatchObject({ status: 502, code: "upstream_error" });
      });
      const inferences = seen.filter((r) => r.path.endsWith("/infer")).map((r) => r.scenario);
      expect(inferences).toEqual(["cut-mid-answer"]);
    });
  });
}
