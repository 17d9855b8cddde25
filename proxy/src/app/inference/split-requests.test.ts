/**
 * Requests with more rows than a model's max_batch_size: the proxy splits them into calls of at most that many rows
 * (read from the model's config) and joins the answers. Here on the fixtures with max_batch_size 2, through the
 * embedded runtime, which refuses a call of more rows as Triton does.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeApp, type NodeApp } from "../../node/server.js";
import { FIXTURE_ENV, postJson } from "@gpu-bridge/test-support/api.suite";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { passingInference } from "@gpu-bridge/test-support/passing-inference";

let folder: string;
let app: NodeApp;
/** Rows of every infer call that reached the upstream, by model. */
const calls: { model: string; rows: number }[] = [];

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "split-requests-"));
  await cp(FIXTURE_REPOSITORY, folder, { recursive: true });
  for (const model of ["embed", "bertscore-tiny-bert"]) {
    const config = path.join(folder, model, "config.pbtxt");
    await writeFile(config, (await readFile(config, "utf8")).replace(/^max_batch_size: \d+$/m, "max_batch_size: 2"));
  }
  app = await createNodeApp(
    { ...FIXTURE_ENV, MODEL_REPOSITORY: folder },
    {
      wrapInference: (inner) =>
        passingInference(inner, {
          infer: (model, inputs, options) => {
            calls.push({ model, rows: inputs[0]?.shape[0] as number });
            return inner.infer(model, inputs, options);
          },
        }),
    },
  );
});

afterAll(async () => {
  await app?.close();
  await rm(folder, { recursive: true, force: true });
});

const post = async (route: string, body: unknown) => {
  const res = await app.fetch(new Request(`http://localhost${route}`, postJson(body)));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("requests larger than the model's max_batch_size", () => {
  it("embeds five texts in calls of two, two and one, as one at a time", async () => {
    const texts = ["one", "two words", "three words here", "four", "the fifth text"];
    calls.length = 0;
    const together = await post("/embed", { texts });
    expect(together.status).toBe(200);
    expect(calls.map((c) => c.rows)).toEqual([2, 2, 1]);
    const embeddings = together.body.embeddings as number[][];
    for (const [i, text] of texts.entries()) {
      const alone = (await post("/embed", { texts: [text] })).body.embeddings as number[][];
      expect(embeddings[i]).toEqual(alone[0]);
    }
  });

  it("scores five pairs without idf in calls of at most two, as pair by pair", async () => {
    const candidates = ["a cat sat", "the dog ran", "", "hello world", "good morning"];
    const references = ["a cat sat on a mat", ["a dog", "the dog ran fast"], "nothing", "hello", "good evening"];
    calls.length = 0;
    const together = await post("/bertscore", { candidates, references, model_type: "tiny-bert" });
    expect(together.status).toBe(200);
    expect(calls.map((c) => c.rows)).toEqual([2, 2, 1]);
    for (const [i, candidate] of candidates.entries()) {
      const alone = (await post("/bertscore", { candidates: [candidate], references: [references[i]], model_type: "tiny-bert" })).body;
      for (const key of ["precision", "recall", "f1"]) expect((together.body[key] as number[])[i]).toBe((alone[key] as number[])[0]);
      expect(together.body.hash).toBe(alone.hash);
    }
  });

  it("refuses to split an idf request (idf is over all references of one call)", async () => {
    calls.length = 0;
    const res = await post("/bertscore", { candidates: ["a", "b", "c"], references: ["x", "y", "z"], model_type: "tiny-bert", idf: true });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "too_many_items", detail: expect.stringContaining("with idf at most 2") });
    expect(calls).toEqual([]);
    expect((await post("/bertscore", { candidates: ["a", "b"], references: ["x", "y"], model_type: "tiny-bert", idf: true })).status).toBe(200);
  });
});
