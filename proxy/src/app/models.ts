/**
 * Picks the served model for a request. A model the request names must be served under that name (public name, hub
 * id or short name; upstream/catalog.ts), else 422 `unknown_model`: it is never replaced by another. When no model is
 * named, a bertscore request in a language other than en gets bert_score's default model for that language (its
 * `lang2model`) where that model is served; otherwise the configured default applies, and when that is not served
 * another model of the task stands in (reported in /info).
 */
import { ApiError } from "@gpu-bridge/contract/errors";
import { DEFAULT_LANG, type Task } from "@gpu-bridge/contract/model-contract";
import langModels from "./bert-score-lang-models.json" with { type: "json" };
import { EXPORT_COMMAND, isExportable, isHubId, quoteName } from "./model-names.js";
import type { Catalog, ServedModel } from "./upstream/catalog.js";
import type { Upstream } from "./upstream/pool.js";

/**
 * A catalogue miss reloads the catalogue at most this often, so unknown names cannot hammer the upstream; the reload
 * runs beside the requests for served models, which keep the catalogue held until it is done.
 */
const MISS_RELOAD_MS = 5000;

export interface DefaultChoice {
  model: ServedModel | undefined;
  /** Set when the configured default is not served and another model stands in. */
  note?: string;
}

export function defaultModel(catalog: Catalog, task: Task, configured: string): DefaultChoice {
  const exact = catalog.find(task, configured);
  if (exact) return { model: exact };
  const fallback = catalog.ofTask(task)[0];
  if (!fallback) return { model: undefined };
  return {
    model: fallback,
    note: `${task} model ${configured} is not served; using ${fallback.publicName}`,
  };
}

/**
 * bert_score's default model for `lang` (`lang2model[lang.lower()]`, bert-base-multilingual-cased for languages it
 * does not list), from bert-score-lang-models.json, which `gpu-bridge-export bert-score-langs` writes from bert_score.
 */
export function bertScoreLangModel(lang: string): string {
  const table: Record<string, string> = langModels.lang2model;
  const key = lang.toLowerCase();
  return Object.hasOwn(table, key) ? (table[key] as string) : langModels.default_model;
}

/** bert_score's lang2model in words, for the API description. */
export function describeLangModels(): string {
  const listed = Object.entries(langModels.lang2model).map(([lang, model]) => `${lang} ${model}`);
  return `${listed.join(", ")}, any other ${langModels.default_model}`;
}

/**
 * The model a bertscore request without a model answers to, in its language: en (and an empty lang) keeps the
 * configured default (MODEL_BERTSCORE, roberta-large as bert_score's en unless the operator chose otherwise); any
 * other language prefers bert_score's default for it when that is served. When it is not, the configured default
 * still answers, as for an unnamed model before languages were told apart and as the original service did (its
 * model never depended on `lang`); the response's `model` says which model scored.
 */
export function languageDefault(catalog: Catalog, lang: string): ServedModel | undefined {
  if (lang === "" || lang.toLowerCase() === DEFAULT_LANG) return undefined;
  return catalog.find("bertscore", bertScoreLangModel(lang));
}

export interface ModelChoice {
  model: ServedModel;
  /** What responses call it: the name the request used (as the original service echoed it), else its public name. */
  name: string;
}

/** An absent or empty name means the default, as the original's `req.model or DEFAULT_MODEL`. */
export function namedModel(requested: string | undefined): string | undefined {
  return requested === undefined || requested === "" ? undefined : requested;
}

export async function resolveModel(
  upstream: Pick<Upstream, "catalog">,
  task: Task,
  requested: string | undefined,
  configured: string,
  lang?: string,
): Promise<ModelChoice> {
  let catalog = await upstream.catalog.get();
  const named = namedModel(requested);
  if (named !== undefined) {
    let hit = catalog.find(task, named);
    if (!hit && upstream.catalog.ageMs() > MISS_RELOAD_MS) {
      // Everyone else goes on with the catalogue held; a failed reload leaves it, and the name stays unknown.
      catalog = await upstream.catalog.refresh().catch(() => catalog);
      hit = catalog.find(task, named);
    }
    if (hit) return { model: hit, name: named };
    throw unknownModel(task, named, catalog.publicNames(task));
  }
  const forLang = task === "bertscore" && lang !== undefined ? languageDefault(catalog, lang) : undefined;
  if (forLang) return { model: forLang, name: forLang.publicName };
  const { model } = defaultModel(catalog, task, configured);
  if (!model) throw new ApiError("upstream_unavailable", `no ${task} model is served`);
  return { model, name: model.publicName };
}

function unknownModel(task: Task, requested: string, served: string[]): ApiError {
  const listed = `served ${task} models: ${served.join(", ") || "none"}`;
  if (!isHubId(requested)) {
    return new ApiError("unknown_model", `model ${quoteName(requested)} is not served and is not a Hugging Face model id; ${listed}`, {
      served_models: served,
    });
  }
  if (!isExportable(requested)) {
    return new ApiError(
      "unknown_model",
      `model ${quoteName(requested)} is not served; ${listed}. A Hugging Face model can be exported by its full id (org/name)`,
      { served_models: served },
    );
  }
  const command = `${EXPORT_COMMAND} ${requested}`;
  return new ApiError(
    "unknown_model",
    `model ${quoteName(requested)} is not served; ${listed}. To serve it, export it into the model repository on the GPU box: ${command}`,
    { served_models: served, export_command: command },
  );
}
