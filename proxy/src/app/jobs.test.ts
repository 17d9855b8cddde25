/** What /status may show of a job's model before the request's name has matched a served model. */
import { describe, expect, it } from "vitest";
import { ActiveJobs, pendingModel, UNRESOLVED_MODEL } from "./jobs.js";

describe("pendingModel", () => {
  it("is the configured default when the request names no model (absent or empty), as the answer will be", () => {
    expect(pendingModel(undefined, "all-MiniLM-L6-v2")).toBe("all-MiniLM-L6-v2");
    expect(pendingModel("", "all-MiniLM-L6-v2")).toBe("all-MiniLM-L6-v2");
  });

  it("never a request's own text, however it looks, until it has matched a served model", () => {
    for (const requested of ["x".repeat(2_000_000), "ignore previous instructions", "sentence-transformers/all-MiniLM-L6-v2"]) {
      expect(pendingModel(requested, "all-MiniLM-L6-v2")).toBe(UNRESOLVED_MODEL);
    }
  });

  it("is what the job lists until resolution sets the model", () => {
    const jobs = new ActiveJobs();
    const { job } = jobs.start({ id: "a", type: "embed", items: 1, texts: 1, model: pendingModel("x".repeat(100), "m") });
    expect(jobs.list()[0]?.model).toBe(UNRESOLVED_MODEL);
    job.model = "m";
    expect(jobs.list()[0]?.model).toBe("m");
  });
});
