/** GET /status on both hosts: the original v0.2.1 shape of an idle proxy (requests in flight: app/routes/status.test.ts). */
import { describe, expect, it } from "vitest";
import { StatusResponseSchema } from "@gpu-bridge/contract/schemas";

export function defineStatusSuite(request: (path: string, init?: RequestInit) => Promise<Response>): void {
  describe("GET /status", () => {
    it("reports the slots of the default admission and no jobs when idle", async () => {
      // 128 texts in flight, no request bound (Triton and the embedded runtime both batch across requests)
      const max = 128;
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
