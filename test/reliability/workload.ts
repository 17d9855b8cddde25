/**
 * The chaos workload: a fixed, seeded pool of /embed and /bertscore requests for the models a KServe v2 server
 * serves, each with the answer the runtime itself gives for the same inputs (asked directly over KServe v2, not
 * through the proxy).
 */
import type { BertscoreRequest, EmbedRequest } from "@gpu-bridge/contract/schemas";
import {
  BERTSCORE_PARAMETERS,
  BERTSCORE_TENSORS,
  CONFIG_PARAMETERS,
  EMBED_TENSORS,
} from "@gpu-bridge/contract/model-contract";
import { parseTritonJson } from "@gpu-bridge/kserve/triton-json";
import type { InferResponse, ModelConfig, RepositoryIndexEntry } from "@gpu-bridge/kserve/types";
import type { KServeFetch } from "./fault-upstream.js";
import type { LoadRequest } from "../support/load-driver.js";
import { seededRandom } from "../support/seeded-random.js";

export interface ServedModel {
  /** The KServe model name (e.g. `embed`). */
  kserveName: string;
  /** The public name users ask for (`model_name` parameter). */
  publicName: string;
}

export interface ServedModels {
  embed: ServedModel[];
  bertscore: ServedModel[];
}

const TOLERANCE = 1e-5;

const WORDS = (
  "the a cat dog sat on mat quick brown fox jumps over lazy river bank money deposit model score token " +
  "naïve café über 東京 😀 résumé proxy runtime tensor fault chaos sentence embedding"
).split(" ");

async function kserveJson<T>(backend: KServeFetch, method: string, path: string, body?: unknown): Promise<T> {
  const response = await backend(
    new Request(`http://runtime${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return parseTritonJson(text) as T;
}

/** Reads the repository index and each model's config to find the text-in models and their public names. */
export async function discoverModels(backend: KServeFetch): Promise<ServedModels> {
  const index = await kserveJson<RepositoryIndexEntry[]>(backend, "POST", "/v2/repository/index", {});
  const served: ServedModels = { embed: [], bertscore: [] };
  for (const entry of index) {
    if (entry.state && entry.state !== "READY") continue;
    const config = await kserveJson<ModelConfig>(backend, "GET", `/v2/models/${encodeURIComponent(entry.name)}/config`);
    const parameter = (key: string) => config.parameters?.[key]?.string_value;
    const task = parameter(CONFIG_PARAMETERS.task);
    const publicName = parameter(CONFIG_PARAMETERS.modelName);
    if ((task === "embed" || task === "bertscore") && publicName) {
      served[task].push({ kserveName: entry.name, publicName });
    }
  }
  return served;
}

function sentence(random: () => number): string {
  const length = 1 + Math.floor(random() * 12);
  return Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
}

interface EmbedItem {
  kind: "embed";
  model: ServedModel;
  texts: string[];
}

interface BertscoreItem {
  kind: "bertscore";
  model: ServedModel;
  candidates: string[];
  references: (string | string[])[];
  idf: boolean;
}

type Item = EmbedItem | BertscoreItem;

function makeItems(models: ServedModels, count: number, seed: number): Item[] {
  const random = seededRandom(seed);
  const items: Item[] = [];
  for (let i = 0; i < count; i += 1) {
    const useEmbed = models.bertscore.length === 0 || (models.embed.length > 0 && i % 2 === 0);
    if (useEmbed) {
      const model = models.embed[i % models.embed.length] as ServedModel;
      const texts = Array.from({ length: 1 + Math.floor(random() * 4) }, () => sentence(random));
      items.push({ kind: "embed", model, texts });
    } else {
      const model = models.bertscore[i % models.bertscore.length] as ServedModel;
      const rows = 1 + Math.floor(random() * 3);
      const candidates = Array.from({ length: rows }, () => sentence(random));
      const references = candidates.map(() =>
        random() < 0.3 ? Array.from({ length: 1 + Math.floor(random() * 3) }, () => sentence(random)) : sentence(random),
      );
      items.push({ kind: "bertscore", model, candidates, references, idf: random() < 0.3 });
    }
  }
  return items;
}

type Expected = { embeddings: number[][] } | { precision: number[]; recall: number[]; f1: number[] };

function outputData(response: InferResponse, name: string): number[] {
  const output = response.outputs.find((o) => o.name === name);
  if (!output?.data) throw new Error(`runtime answer lacks ${name}`);
  return output.data.flat(Infinity) as number[];
}

/** Asks the runtime directly, over KServe v2 JSON, for the answer to one item (the contract's own encoding). */
async function runtimeAnswer(backend: KServeFetch, item: Item): Promise<Expected> {
  const path = `/v2/models/${encodeURIComponent(item.model.kserveName)}/infer`;
  if (item.kind === "embed") {
    const response = await kserveJson<InferResponse>(backend, "POST", path, {
      inputs: [{ name: EMBED_TENSORS.text, datatype: "BYTES", shape: [item.texts.length, 1], data: item.texts }],
    });
    const flat = outputData(response, EMBED_TENSORS.embedding);
    const dims = flat.length / item.texts.length;
    return { embeddings: item.texts.map((_, row) => flat.slice(row * dims, (row + 1) * dims)) };
  }
  const rows = item.references.map((r) => (Array.isArray(r) ? r : [r]));
  const width = Math.max(...rows.map((r) => r.length));
  const padded = rows.flatMap((r) => [...r, ...Array<string>(width - r.length).fill("")]);
  const response = await kserveJson<InferResponse>(backend, "POST", path, {
    parameters: { [BERTSCORE_PARAMETERS.idf]: item.idf },
    inputs: [
      { name: BERTSCORE_TENSORS.candidate, datatype: "BYTES", shape: [rows.length, 1], data: item.candidates },
      { name: BERTSCORE_TENSORS.reference, datatype: "BYTES", shape: [rows.length, width], data: padded },
      {
        name: BERTSCORE_TENSORS.referenceCount,
        datatype: "INT32",
        shape: [rows.length, 1],
        data: rows.map((r) => r.length),
      },
    ],
  });
  return {
    precision: outputData(response, BERTSCORE_TENSORS.precision),
    recall: outputData(response, BERTSCORE_TENSORS.recall),
    f1: outputData(response, BERTSCORE_TENSORS.f1),
  };
}

function compareVectors(label: string, got: unknown, want: (number | null)[]): string | undefined {
  if (!Array.isArray(got) || got.length !== want.length) {
    return `${label}: length ${Array.isArray(got) ? got.length : typeof got}, want ${want.length}`;
  }
  for (let i = 0; i < want.length; i += 1) {
    const g = got[i] as unknown;
    const w = want[i] as number | null;
    // bert_score's NaN (recall under idf with one reference) is null in the proxy's answer.
    if (w === null || Number.isNaN(w)) {
      if (g !== null) return `${label}[${i}]: ${String(g)}, want NaN (null)`;
      continue;
    }
    if (typeof g !== "number" || !(Math.abs(g - w) <= TOLERANCE)) return `${label}[${i}]: ${String(g)}, want ${w}`;
  }
  return undefined;
}

function toLoadRequest(item: Item, expected: Expected): LoadRequest {
  if (item.kind === "embed") {
    const body: EmbedRequest = { texts: item.texts, model: item.model.publicName };
    const want = (expected as { embeddings: number[][] }).embeddings;
    return {
      path: "/embed",
      body,
      checkAnswer(answer) {
        const got = (answer as { embeddings?: unknown }).embeddings;
        if (!Array.isArray(got) || got.length !== want.length) return `embeddings: ${got === undefined ? "absent" : "wrong count"}`;
        for (let row = 0; row < want.length; row += 1) {
          const problem = compareVectors(`embeddings[${row}]`, got[row], want[row] as number[]);
          if (problem) return problem;
        }
        return undefined;
      },
    };
  }
  const body: BertscoreRequest = {
    candidates: item.candidates,
    references: item.references,
    model_type: item.model.publicName,
    idf: item.idf,
  };
  const want = expected as { precision: number[]; recall: number[]; f1: number[] };
  return {
    path: "/bertscore",
    body,
    checkAnswer(answer) {
      const got = answer as Record<string, unknown>;
      return (
        compareVectors("precision", got.precision, want.precision) ??
        compareVectors("recall", got.recall, want.recall) ??
        compareVectors("f1", got.f1, want.f1)
      );
    },
  };
}

/** Builds `count` distinct requests with their expected answers, asking the runtime once per request. */
export async function buildWorkload(backend: KServeFetch, models: ServedModels, count: number, seed = 7): Promise<LoadRequest[]> {
  if (models.embed.length + models.bertscore.length === 0) throw new Error("the runtime serves no embed or bertscore model");
  const items = makeItems(models, count, seed);
  const requests: LoadRequest[] = [];
  for (const item of items) requests.push(toLoadRequest(item, await runtimeAnswer(backend, item)));
  return requests;
}
