/**
 * triton-models/bert_score_reference.json as the runtime reads it from the repository it serves: the one definition of the versions bert_score's
 * hash names, checked before use (bert_score_tokenizer.py checks the same file the same way).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import unicodeCorpusGoldens from "../../../test/fixtures/goldens/bertscore-unicode-corpus.json" with { type: "json" };
import { REFERENCE_FILE, readBertScoreFiles, parseBertScoreReference } from "./bert-score-reference.js";
import { DEFAULT_MODEL_REPOSITORY } from "./default-repository.js";

const files = await readBertScoreFiles(DEFAULT_MODEL_REPOSITORY);
const reference = JSON.parse(await readFile(path.join(DEFAULT_MODEL_REPOSITORY, REFERENCE_FILE), "utf8")) as unknown;

const tables = { version: "15.0.0" };
const valid = { bert_score_version: "0.3.12", transformers_version: "4.57.6", unicode_version: "15.0.0" };

describe("bert_score_reference.json", () => {
  it("names the versions of the bert_score reference environment, as its hash in the goldens shows", () => {
    const { bertScoreVersion, transformersVersion, unicodeVersion } = files.reference;
    const hashes = Object.values(unicodeCorpusGoldens.models).flatMap((m) => m.cases.map((c) => c.hash));
    expect(hashes.length).toBeGreaterThan(0);
    for (const hash of hashes) expect(hash).toContain(`_version=${bertScoreVersion}(hug_trans=${transformersVersion})`);
    expect(unicodeVersion).toBe(unicodeCorpusGoldens.unicode_version);
    expect(unicodeVersion).toBe(files.unicode.version);
  });

  it("is the file both implementations read", () => {
    expect(parseBertScoreReference(reference, files.unicode)).toEqual(files.reference);
  });

  it("reads the three versions", () => {
    expect(parseBertScoreReference(valid, tables)).toEqual({ bertScoreVersion: "0.3.12", transformersVersion: "4.57.6", unicodeVersion: "15.0.0" });
  });

  it.each([
    ["no transformers_version", { ...valid, transformers_version: undefined }, /names no transformers_version$/],
    ["an empty bert_score_version", { ...valid, bert_score_version: "" }, /names no bert_score_version$/],
    ["a number for a version", { ...valid, unicode_version: 15 }, /names no unicode_version$/],
    ["not an object", "4.57.6", /names no bert_score_version, transformers_version, unicode_version$/],
    ["another Unicode than the tables", { ...valid, unicode_version: "16.0.0" }, /tables hold Unicode 15\.0\.0, .* names 16\.0\.0$/],
  ])("refuses %s, with the reason", (_what, file, reason) => {
    expect(() => parseBertScoreReference(file, tables)).toThrow(reason);
  });
});
