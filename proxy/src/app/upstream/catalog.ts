/**
 * What an upstream serves, read from its repository index and each model's config `parameters` (`task`,
 * `model_name`), cached for a TTL. Public model names from requests are matched against this list; only the
 * served names it holds ever go into an upstream URL.
 */
import type { KServeClient } from "../../kserve/client.js";
import { CONFIG_PARAMETERS, TASKS, type Task } from "../../kserve/model-contract.js";
import type { ModelConfig } from "../../kserve/types.js";
import { acceptedNames, lookupKey } from "../model-names.js";

export interface ServedModel {
  /** The model's name in the repository (goes into URLs). */
  served: string;
  task: Task;
  /** The public name users ask for, e.g. `all-MiniLM-L6-v2` (device_info: its served name). */
  publicName: string;
  parameters: Record<string, string>;
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

/** Map key of a task's model by one of the names it answers to (app/model-names.ts). */
const nameKey = (task: Task, name: string) => `${task}\n${name}`;

/** Indexed once when loaded: lookups on the request path are map reads. */
export class Catalog {
  private readonly byTask = new Map<Task, ServedModel[]>();
  private readonly byName = new Map<string, ServedModel>();

  constructor(readonly models: readonly ServedModel[]) {
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
}

export async function loadCatalog(client: KServeClient, signal?: AbortSignal): Promise<Catalog> {
  const opts = signal ? { signal } : {};
  const index = await client.repositoryIndex(opts);
  const ready = index.filter((entry) => entry.state === undefined || entry.state.toUpperCase() === "READY");
  const names = [...new Set(ready.map((entry) => entry.name))];
  const configs = await Promise.all(names.map((name) => client.modelConfig(name, opts)));
  const models: ServedModel[] = [];
  names.forEach((served, i) => {
    const parameters = configParameters(configs[i] as ModelConfig);
    const task = parameters[CONFIG_PARAMETERS.task];
    if (!isTask(task)) return; // encoders and other helpers have no task
    const publicName = parameters[CONFIG_PARAMETERS.modelName] || served;
    models.push({ served, task, publicName, parameters });
  });
  models.sort((a, b) => a.served.localeCompare(b.served));
  return new Catalog(models);
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
}
