/**
 * Picks the served model for a request: the one named (by its public name, optionally with an org prefix), else
 * the configured default; when the default is not served, another model of the task (reported in /info).
 */
import { ApiError } from "../api/errors.js";
import type { Task } from "../kserve/model-contract.js";
import type { Catalog, ServedModel } from "./upstream/catalog.js";
import type { Upstream } from "./upstream/pool.js";

/** A catalogue miss reloads the catalogue at most this often, so unknown names cannot hammer the upstream. */
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

function sameName(a: string, b: string): boolean {
  const base = (s: string) => {
    const t = s.trim().toLowerCase();
    return t.slice(t.lastIndexOf("/") + 1);
  };
  return base(a) === base(b);
}

export async function resolveModel(
  upstream: Upstream,
  task: Task,
  requested: string | undefined,
  configured: string,
): Promise<ServedModel> {
  let catalog = await upstream.catalog.get();
  if (requested !== undefined && !sameName(requested, configured)) {
    let hit = catalog.find(task, requested);
    if (!hit && upstream.catalog.ageMs() > MISS_RELOAD_MS) {
      upstream.catalog.invalidate();
      catalog = await upstream.catalog.get();
      hit = catalog.find(task, requested);
    }
    if (hit) return hit;
    const served = catalog.publicNames(task);
    throw new ApiError(
      "unknown_model",
      `model '${requested}' is not served; served ${task} models: ${served.join(", ") || "none"}`,
      { served_models: served },
    );
  }
  const { model } = defaultModel(catalog, task, configured);
  if (!model) throw new ApiError("upstream_unavailable", `no ${task} model is served`);
  return model;
}
