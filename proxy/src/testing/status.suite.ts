/** GET /status on both hosts: the original v0.2.1 shape of an idle proxy (requests in flight: app/routes/status.test.ts). */
import { describe, expect, it } from "vitest";
import { StatusResponseSchema } from "../api/schemas.js";

export function defineStatusSuite(request: (path: string, init?: RequestInit) => Promise<Response>): void {
  describe("GET /status", () => {
    it("reports the slots of the default admission (64 texts in flight, no request bound) and no jobs when idle", async () => {
      const res = await request("/status");
      expect(res.status).toBe(200);
      const body = StatusResponseSchema.parse(await res.json());
      expect(body).toEqual({
        queue: { max_concurrent: 64, in_flight: 0, available_slots: 64, waiting_estimate: 0 },
        active_jobs: [],
      });
    });
  });
}
