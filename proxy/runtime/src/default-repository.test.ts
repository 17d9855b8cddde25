/** The default model repository: the nearest triton-models/ above the module, at whatever depth it runs from. */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_REPOSITORY, findModelRepository } from "./default-repository.js";

const root = await mkdtemp(path.join(os.tmpdir(), "runtime-default-repository-"));
afterAll(() => rm(root, { recursive: true, force: true }));

describe("the default model repository", () => {
  it("is the checkout's triton-models/ from the runtime's sources", () => {
    expect(DEFAULT_MODEL_REPOSITORY).toBe(path.resolve(import.meta.dirname, "../../../triton-models"));
  });

  it.each([["proxy/runtime/src"], ["proxy/dist/node"], ["a/b/c/d/e"]])("is found from %s, whatever its depth", async (below) => {
    await mkdir(path.join(root, "triton-models"), { recursive: true });
    await mkdir(path.join(root, below), { recursive: true });
    expect(findModelRepository(path.join(root, below))).toBe(path.join(root, "triton-models"));
  });

  it("is ./triton-models where no folder above holds one", () => {
    expect(findModelRepository(path.parse(root).root)).toBe(path.resolve("triton-models"));
  });
});
