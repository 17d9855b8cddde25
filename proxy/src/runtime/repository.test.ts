/** What the runtime reads from an encoder's export-info.json: the transformers version bert_score's hash names. */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRepository } from "./repository.js";
import { FIXTURE_REPOSITORY, bertScoreInputs, infer } from "./testing/kserve-test-client.js";
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

describe("bert_score's hash", () => {
  it("names the transformers version the encoder was exported with", async () => {
    const repository = await loadRepository(await withExportInfo((i) => (i.transformers_version = "9.9.9")), { log: () => {} });
    try {
      const app = createKServeApp(repository, { log: () => {} });
      const out = await infer((r) => Promise.resolve(app.fetch(r)), "http://runtime.invalid", "bertscore", bertScoreInputs(["a"], [["b"]]), {
        binary: true,
      });
      const hash = new TextDecoder().decode((out.get("HASH")?.data as Uint8Array[])[0]);
      expect(hash).toBe("tiny-roberta_L2_no-idf_version=0.3.12(hug_trans=9.9.9)");
    } finally {
      await repository.close();
    }
  });

  it("is not made up where the export does not name it: the model is skipped, with the reason", async () => {
    const logs: string[] = [];
    const repository = await loadRepository(await withExportInfo((i) => delete i.transformers_version), { log: (m) => logs.push(m) });
    try {
      expect(repository.models.has("bertscore")).toBe(false);
      expect(repository.skipped.get("bertscore")).toMatch(/tiny-roberta\/1\/export-info\.json names no transformers_version: export tiny-roberta again$/);
      expect(repository.models.has("embed")).toBe(true);
    } finally {
      await repository.close();
    }
  });
});
