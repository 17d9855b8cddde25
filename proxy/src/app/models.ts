/**
 * Picks the served model for a request. A model the request names must be served under that name (public name, hub
 * id or short name; app/model-names.ts), else 422 `unknown_model`: it is never replaced by another. Only when no
 * model is named does the configured default apply, and when that is not served another model of the task stands in
 * (reported in /info).
 */
import { ApiError } from "@gpu-bridge/contract/errors";
import type { Task } from "@gpu-bridge/contract/model-contract";
import { EXPORT_COMMAND, isHubId, quoteName } from "./model-names.js";
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
  upstream: Upstream,
  task: Task,
  requested: string | undefined,
  configured: string,
): Promise<ModelChoice> {
  let catalog = await upstream.catalog.get();
  const named = namedModel(requested);
  if (named !== undefined) {
    let hit = catalog.find(task, named);
    if (!hit && upstream.catalog.ageMs() > MISS_RELOAD_MS) {
      upstream.catalog.invalidate();
      catalog = await upstream.catalog.get();
      hit = catalog.find(task, named);
    }
    if (hit) return { model: hit, name: named };
    throw unknownModel(task, named, catalog.publicNames(task));
  }
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
  const command = `${EXPORT_COMMAND} ${requested}`;
  return new ApiError(
    "unknown_model",
    `model ${quoteName(requested)} is not served; ${listed}. To serve it, export it into the model repository on the GPU box: ${command}`,
    { served_models: served, export_command: command },
  );
}
