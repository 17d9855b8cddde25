import { describe, expect, it } from "vitest";
import { nodeVersionProblem } from "./node-version.js";

describe("nodeVersionProblem", () => {
  it("accepts the Node OpenClaw 2026.9 needs (24.16 or newer)", () => {
    for (const version of ["24.16.0", "24.21.0", "26.1.0", "30.0.0"]) expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it("names the running Node, the one needed and what to do", () => {
    expect(nodeVersionProblem("20.20.2")).toBe(
      "GPU Bridge plugin: OpenClaw 2026.9 needs Node 24.16 or newer, and this process runs Node 20.20.2; " +
        "install Node 24.16+ (nodejs.org, or nvm install 24) and restart the Gateway",
    );
    expect(nodeVersionProblem("24.15.9")).toMatch(/runs Node 24\.15\.9/);
  });
});
