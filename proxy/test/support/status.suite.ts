/** GET /status on both hosts: the original v0.2.1 shape of an idle proxy (requests in flight: app/routes/status.test.ts). */
import { describe, expect, it } from "vitest";
import { StatusResponseSchema } from "@gpu-bridge/contract/schemas";

export function defineStatusSuite(
  request: (path: string, init?: RequestInit) => Promise<Response>,
  backend: () => "triton" | "embedded",
): void {
  describe("GET /status", () => {
    it("reports the slots of the default admission and no jobs when idle", async () => {
      // Triton: 64 texts in flight, no request bound; the embedded runtime (one worker): 2 requests per worker
      const max = backend() === "embedded" ? 2 : 64;
      const res = await request("/status");
      expect(res.status).toBe(200);
      const body = StatusResponseSchema.parse(await res.json());
      expect(body).toEqual({
        queue: { max_concurrent: max, in_flight: 0, available_slots: max, waiting_estimate: 0 },
        active_jobs: [],
      });
    });
  });
}
