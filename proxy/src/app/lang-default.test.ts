/**
 * `lang` picks bert_score's default model for that language when a bertscore request names no model, where that model
 * is served; en and unserved languages keep the configured default. The table is bert_score's own
 * (bert-score-lang-models.json, checked against bert_score by test/python/test_bert_score_lang_models.py).
 */
import { describe, expect, it } from "vitest";
import langModels from "./bert-score-lang-models.json" with { type: "json" };
import { bertScoreLangModel, languageDefault, resolveModel } from "./models.js";
import { Cached, Catalog, type ServedModel } from "./upstream/catalog.js";
import type { Upstream } from "./upstream/pool.js";

const bertscore = (served: string, publicName: string, hubId: string): ServedModel => ({
  served,
  task: "bertscore",
  publicName,
  parameters: { task: "bertscore", model_name: publicName, hub_id: hubId },
  maxBatchSize: 128,
});

const ROBERTA = bertscore("bertscore", "roberta-large", "FacebookAI/roberta-large");
const MULTILINGUAL = bertscore(
  "bertscore-bert-base-multilingual-cased",
  "bert-base-multilingual-cased",
  "bert-base-multilingual-cased",
);
const DEBERTA = bertscore("bertscore-deberta-xlarge-mnli", "microsoft/deberta-xlarge-mnli", "microsoft/deberta-xlarge-mnli");

function upstreamServing(models: ServedModel[]): Upstream {
  const catalog = new Catalog(models);
  return { catalog: new Cached(() => Promise.resolve(catalog), 60_000) } as unknown as Upstream;
}

describe("bert_score's default model per language", () => {
  it("reads lang2model as bert_score does: lower-cased, its default for unlisted languages", () => {
    expect(bertScoreLangModel("en")).toBe(langModels.lang2model.en);
    expect(bertScoreLangModel("ZH")).toBe(langModels.lang2model.zh);
    expect(bertScoreLangModel("de")).toBe(langModels.default_model);
    expect(bertScoreLangModel("toString")).toBe(langModels.default_model);
  });

  it("prefers the language's model where it is served, never for en", () => {
    const catalog = new Catalog([ROBERTA, MULTILINGUAL]);
    expect(languageDefault(catalog, "de")?.served).toBe(MULTILINGUAL.served);
    expect(languageDefault(catalog, "FR")?.served).toBe(MULTILINGUAL.served);
    expect(languageDefault(catalog, "en")).toBeUndefined();
    expect(languageDefault(catalog, "")).toBeUndefined();
    expect(languageDefault(catalog, "zh")).toBeUndefined(); // bert-base-chinese is not served
  });

  it("resolves an unnamed model by language, a named one by name, an unserved language to the configured default", async () => {
    const upstream = upstreamServing([DEBERTA, ROBERTA, MULTILINGUAL]);
    const configured = DEBERTA.publicName;
    const pick = async (requested: string | undefined, lang: string) =>
      (await resolveModel(upstream, "bertscore", requested, configured, lang)).model.served;
    expect(await pick(undefined, "de")).toBe(MULTILINGUAL.served);
    expect(await pick("", "it")).toBe(MULTILINGUAL.served);
    expect(await pick(undefined, "en")).toBe(DEBERTA.served);
    expect(await pick("roberta-large", "de")).toBe(ROBERTA.served);
    const withoutMultilingual = upstreamServing([DEBERTA, ROBERTA]);
    expect((await resolveModel(withoutMultilingual, "bertscore", undefined, configured, "de")).model.served).toBe(
      DEBERTA.served,
    );
  });
});
