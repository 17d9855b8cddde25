/**
 * What an upstream serves, read from its repository index and each model's config `parameters` (`task`,
 * `model_name`, `encoder_model`), cached for a TTL. A text model counts as served when it and its encoder are READY.
 * Model names from requests are matched against this list; only the served names it holds ever go into an upstream
 * URL. A model answers to its public name (`model_name`), its Hugging Face id (`hub_id`, e.g.
 * `FacebookAI/roberta-large`) and the short form of each (the part after the organisation); nothing else, so
 * `http://evil/all-MiniLM-L6-v2` matches nothing. Compared case-insensitively, as the hub resolves ids.
 */
import { UpstreamError, type CallOptions, type Inference } from "@gpu-bridge/kserve/inference";
import { CONFIG_PARAMETERS, EMBED_TENSORS, TASKS, type Task } from "@gpu-bridge/contract/model-contract";
import type { ModelConfig, RepositoryIndexEntry } from "@gpu-bridge/kserve/types";

export interface ServedModel {
  /** The model's name in the repository (goes into URLs). */
  served: string;
  task: Task;
  /** The public name users ask for, e.g. `all-MiniLM-L6-v2` (device_info: its served name). */
  publicName: string;
  parameters: Record<string, string>;
  /** Rows one inference may carry (the config's max_batch_size); 0: the model takes no batch dimension. */
  maxBatchSize: number;
  /** embed: the width of EMBEDDING its config declares, when it declares one. */
  dimensions?: number;
}

/** The declared width of an embed model's EMBEDDING output (`dims: [384]`); undefined when variable or absent. */
function embeddingWidth(config: ModelConfig): number | undefined {
  const dims = config.output?.find((tensor) => tensor.name === EMBED_TENSORS.embedding)?.dims;
  const width = Number(dims?.[dims.length - 1]);
  return Number.isInteger(width) && width > 0 ? width : undefined;
}

function configParameters(config: ModelConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.parameters ?? {})) {
    if (value && typeof value.string_value === "string") out[key] = value.string_value;
  }
  return out;
}

function isTask(value: string | undefined): value is Task {
  return value !== undefined && (TASKS as readonly string[]).includes(value);
}

const shortName = (name: string) => name.slice(name.lastIndexOf("/") + 1);

/**
 * The lower-cased names a model with this public name and hub id answers to: `exact` (its names as given) and
 * `short` (without the organisation). Where names collide, an exact name wins over another model's short form.
 */
function acceptedNames(publicName: string, hubId: string | undefined): { exact: string[]; short: string[] } {
  const exact = hubId ? [publicName, hubId] : [publicName];
  const lower = (names: string[]) => [...new Set(names.map((name) => name.toLowerCase()).filter((name) => name.length > 0))];
  return { exact: lower(exact), short: lower(exact.map(shortName)) };
}

/** The key a requested name is looked up by. */
function lookupKey(requested: string): string {
  return requested.toLowerCase();
}

/** Map key of a task's model by one of the names it answers to. */
const nameKey = (task: Task, name: string) => `${task}\n${name}`;

/** Indexed once when loaded: lookups on the request path are map reads. */
export class Catalog {
  private readonly byTask = new Map<Task, ServedModel[]>();
  private readonly byName = new Map<string, ServedModel>();

  /**
   * @param readyNames every model the repository index listed as ready when this was loaded (encoders included):
   *   a later index that differs means the catalogue is out of date.
   */
  constructor(
    readonly models: readonly ServedModel[],
    readonly readyNames: ReadonlySet<string> = new Set(models.map((m) => m.served)),
  ) {
    const names = models.map((model) => acceptedNames(model.publicName, model.parameters[CONFIG_PARAMETERS.hubId]));
    const index = (model: ServedModel, name: string) => {
      const key = nameKey(model.task, name);
      if (!this.byName.has(key)) this.byName.set(key, model);
    };
    models.forEach((model, i) => {
      const list = this.byTask.get(model.task);
      if (list) list.push(model);
      else this.byTask.set(model.task, [model]);
      for (const name of names[i]?.exact ?? []) index(model, name);
    });
    models.forEach((model, i) => {
      for (const name of names[i]?.short ?? []) index(model, name);
    });
  }

  ofTask(task: Task): readonly ServedModel[] {
    return this.byTask.get(task) ?? [];
  }

  /** The served model of `task` that answers to `requested` (public name, hub id, or the short form of either). */
  find(task: Task, requested: string): ServedModel | undefined {
    return this.byName.get(nameKey(task, lookupKey(requested)));
  }

  publicNames(task: Task): string[] {
    return this.ofTask(task).map((m) => m.publicName);
  }

  /** Whether a text model (embed or bertscore) is served: what the proxy is for. */
  servesText(): boolean {
    return this.ofTask("embed").length > 0 || this.ofTask("bertscore").length > 0;
  }
}

/** Names the index lists as ready. Servers that report no states at all list only what they serve. */
export function readyModelNames(index: readonly RepositoryIndexEntry[]): Set<string> {
  const stateless = index.every((entry) => entry.state === undefined);
  return new Set(
    index.filter((entry) => (stateless ? true : entry.state?.toUpperCase() === "READY")).map((entry) => entry.name),
  );
}

/** The server no longer knows the model (404, 400): an empty catalogue, not a broken upstream. */
function isGone(err: unknown): boolean {
  return err instanceof UpstreamError && (err.kind === "unavailable" || err.kind === "rejected");
}

/** A model of the index whose config could not be read: left out of the catalogue, not fatal to it. */
export interface SkippedModel {
  name: string;
  reason: string;
}

export async function loadCatalog(
  client: Inference,
  options: CallOptions = {},
  onSkipped?: (model: SkippedModel) => void,
): Promise<Catalog> {
  return catalogFromIndex(client, await client.repositoryIndex(options), options, onSkipped);
}

/**
 * The catalogue of an index already read: each ready model's config is fetched. One entry whose config fails in
 * any way (unloaded since the index was read, 500, timeout, garbage, a name no URL may hold) is skipped and reported
 * to `onSkipped`; only when every config fails, and not because the models are gone, is that an error of the
 * upstream rather than of its entries.
 */
export async function catalogFromIndex(
  client: Inference,
  index: readonly RepositoryIndexEntry[],
  options: CallOptions = {},
  onSkipped?: (model: SkippedModel) => void,
): Promise<Catalog> {
  const readyNames = readyModelNames(index);
  const names = [...readyNames];
  const settled = await Promise.allSettled(names.map((name) => client.modelConfig(name, options)));
  const configs = settled.map((result, i) => {
    if (result.status === "fulfilled") return result.value;
    // a hostile index may list names of any length
    onSkipped?.({ name: (names[i] ?? "").slice(0, 200), reason: String((result.reason as Error)?.message ?? result.reason) });
    return undefined;
  });
  const failure = settled.find((result) => result.status === "rejected");
  if (failure && settled.every((result) => result.status === "rejected") && !isGone(failure.reason)) throw failure.reason;
  const models: ServedModel[] = [];
  names.forEach((served, i) => {
    const config = configs[i];
    if (!config) return;
    const parameters = configParameters(config);
    const task = parameters[CONFIG_PARAMETERS.task];
    if (!isTask(task)) return; // encoders and other helpers have no task
    const encoder = parameters[CONFIG_PARAMETERS.encoderModel];
    if (encoder && !readyNames.has(encoder)) return; // its BLS calls would fail
    const publicName = parameters[CONFIG_PARAMETERS.modelName] || served;
    const dimensions = task === "embed" ? embeddingWidth(config) : undefined;
    models.push({
      served,
      task,
      publicName,
      parameters,
      maxBatchSize: Number(config.max_batch_size ?? 0) || 0,
      ...(dimensions ? { dimensions } : {}),
    });
  });
  models.sort((a, b) => a.served.localeCompare(b.served));
  return new Catalog(models, readyNames);
}

/** A value loaded on demand, kept for `ttlMs`, loaded once however many callers wait for it. */
export class Cached<T> {
  private value: { data: T; at: number } | undefined;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.value && this.now() - this.value.at < this.ttlMs) return Promise.resolve(this.value.data);
    return this.refresh();
  }

  /**
   * Loads anew (joining a load under way) while `get` keeps answering with the value held until it is fresh: only
   * the caller waits for the new value.
   */
  refresh(): Promise<T> {
    if (!this.pending) {
      this.pending = this.load().then(
        (data) => {
          this.value = { data, at: this.now() };
          this.pending = undefined;
          return data;
        },
        (err: unknown) => {
          this.pending = undefined;
          throw err;
        },
      );
    }
    return this.pending;
  }

  /** The last loaded value, however old. */
  peek(): T | undefined {
    return this.value?.data;
  }

  /** Milliseconds since the value was loaded (Infinity before the first load). */
  ageMs(): number {
    return this.value ? this.now() - this.value.at : Infinity;
  }

  invalidate(): void {
    this.value = undefined;
  }

  /** Stores a value loaded elsewhere (e.g. under a shorter deadline), as if `get` had loaded it now. */
  set(data: T): void {
    this.value = { data, at: this.now() };
  }
}
