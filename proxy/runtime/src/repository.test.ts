/**
 * The hash the runtime reports: the versions of triton-models/bert_score_reference.json (bundled), never the
 * transformers version an encoder's export-info.json records.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import bertscoreGoldens from "../../../test/fixtures/goldens/bertscore.json" with { type: "json" };
import { loadRepository } from "./repository.js";
import { bertScoreInputs, infer } from "@gpu-bridge/test-support/kserve-test-client";
import { FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { createKServeApp } from "./kserve-server.js";

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

async function withExportInfo(change: (info: Record<string, unknown>) => void): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "runtime-export-info-"));
  folders.push(folder);
  await cp(FIXTURE_REPOSITORY, folder, { recursive: true });
  const file = path.join(folder, "tiny-roberta", "1", "export-info.json");
  const info = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  change(info);
  await writeFile(file, JSON.stringify(info));
  return folder;
}

/** bert_score's own hash for the fixture encoder, from its reference environment (goldens/bertscore.json). */
const goldenHash = (idf: boolean) =>
  bertscoreGoldens.cases.find((c) => c.idf === idf && !c.rescale_with_baseline)?.hash as string;

describe("bert_score's hash", () => {
  for (const [what, change] of [
    ["names another transformers version", (i: Record<string, unknown>) => (i.transformers_version = "9.9.9")],
    ["names none", (i: Record<string, unknown>) => delete i.transformers_version],
  ] as const) {
    it(`is bert_score's own where the encoder's export-info.json ${what}`, async () => {
      const repository = await loadRepository(await withExportInfo(change), { log: () => {} });
      try {
        const app = createKServeApp(repository, { log: () => {} });
        const hashOf = async (parameters: Record<string, boolean>) => {
          const out = await infer((r) => Promise.resolve(app.fetch(r)), "http://runtime.invalid", "bertscore", bertScoreInputs(["a"], [["b"]]), {
            binary: true,
            parameters,
          });
          return new TextDecoder().decode((out.get("HASH")?.data as Uint8Array[])[0]);
        };
        expect(await hashOf({})).toBe(goldenHash(false));
        expect(await hashOf({ idf: true })).toBe(goldenHash(true));
        expect(await hashOf({ use_fast_tokenizer: true })).toBe(`${goldenHash(false)}_fast-tokenizer`);
      } finally {
        await repository.close();
      }
    });
  }
});

/** A copy of the fixture repository with `change` applied to it. */
async function changedRepository(change: (folder: string) => Promise<void>): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "runtime-refused-"));
  folders.push(folder);
  await cp(FIXTURE_REPOSITORY, folder, { recursive: true });
  await change(folder);
  return folder;
}

async function skippedModels(folder: string): Promise<{ served: string[]; log: string[] }> {
  const log: string[] = [];
  const repository = await loadRepository(folder, { log: (line: string) => log.push(line) });
  try {
    return { served: [...repository.models.keys()].sort(), log };
  } finally {
    await repository.close();
  }
}

describe("models the repository cannot serve", () => {
  it("are named once, in one line, however many are skipped", async () => {
    const folder = await changedRepository(async (root) => rm(path.join(root, "tiny-roberta", "1", "model.onnx")));
    const { served, log } = await skippedModels(folder);
    expect(served).not.toContain("tiny-roberta");
    expect(served).not.toContain("bertscore");
    expect(log.filter((line) => line.includes("skipping model"))).toEqual([
      expect.stringMatching(/^\[runtime\] skipping model tiny-roberta: .*model\.onnx is missing; skipping model bertscore: its encoder tiny-roberta is not loaded$/),
    ]);
  });
});

describe("tokenizers Triton serves and this runtime does not", () => {
  it("refuses a DeBERTa bertscore model at load, by name, and serves the rest", async () => {
    const folder = await changedRepository(async (root) => {
      const config = path.join(root, "bertscore-tiny-bert", "config.pbtxt");
      const text = await readFile(config, "utf8");
      await writeFile(config, text.replace(/(key: "tokenizer_type" value: \{ string_value: )"bert"/, '$1"deberta"'));
    });
    const { served, log } = await skippedModels(folder);
    expect(served).not.toContain("bertscore-tiny-bert");
    expect(served).toContain("bertscore");
    expect(log.join("\n")).toMatch(/skipping model bertscore-tiny-bert: tokenizer_type "deberta" \(DeBERTa v1.*Triton/);
  });

  it("refuses a sentencepiece (Unigram) tokenizer at load, by name", async () => {
    const folder = await changedRepository(async (root) => {
      const file = path.join(root, "tiny-bert", "1", "tokenizer.json");
      const json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      json.model = { type: "Unigram", unk_id: 3, vocab: [["<s>", 0], ["<pad>", 0], ["</s>", 0], ["<unk>", 0], ["▁a", -1]] };
      await writeFile(file, JSON.stringify(json));
    });
    const { served, log } = await skippedModels(folder);
    expect(served).not.toContain("embed");
    expect(log.join("\n")).toMatch(/skipping model embed: tokenizer model "Unigram" is not implemented in the embedded runtime/);
  });
});

describe("bert_score's reference and Unicode tables, read from the repository served", () => {
  it("are the repository's own: its reference names the versions the hash reports", async () => {
    const folder = await changedRepository(async (root) => {
      const file = path.join(root, "bert_score_reference.json");
      const reference = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      await rm(file);
      await writeFile(file, JSON.stringify({ ...reference, bert_score_version: "9.9.9" }));
    });
    const repository = await loadRepository(folder, { log: () => {} });
    try {
      const app = createKServeApp(repository, { log: () => {} });
      const out = await infer((r) => Promise.resolve(app.fetch(r)), "http://runtime.invalid", "bertscore", bertScoreInputs(["a"], [["b"]]), {
        binary: true,
      });
      expect(new TextDecoder().decode((out.get("HASH")?.data as Uint8Array[])[0])).toContain("_version=9.9.9(hug_trans=");
    } finally {
      await repository.close();
    }
  });

  it.each(["bert_score_reference.json", "bert_score_unicode.json"])("refuse the bertscore models, naming the file, where %s is missing", async (name) => {
    const folder = await changedRepository(async (root) => rm(path.join(root, name)));
    const { served, log } = await skippedModels(folder);
    expect(served).toEqual(["device_info", "embed", "tiny-bert", "tiny-roberta"]);
    expect(log.join("\n")).toMatch(new RegExp(`skipping model bertscore: .*${name.replace(".", "\\.")}`));
  });
});
