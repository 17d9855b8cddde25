/**
 * The text-in models of the contract (embed, bertscore, device_info) and the encoders themselves, as the
 * runtime serves them.
 */
import os from "node:os";
import { invalidArgument } from "@gpu-bridge/kserve/errors";
import {
  BERTSCORE_PARAMETERS,
  BERTSCORE_TENSORS,
  CONTRACT_ERRORS,
  DEFAULT_LANG,
  DEVICE_INFO_TENSORS,
  EMBED_TENSORS,
  ENCODER_TENSORS,
  bertScoreHash,
} from "@gpu-bridge/contract/model-contract";
import type { ModelConfig, ModelMetadata, Parameters, Tensor } from "@gpu-bridge/kserve/types";
import {
  idfWeights,
  maxOverReferences,
  normalizeRows,
  rescale,
  scorePair,
  uniformWeights,
  type Baseline,
  type EmbeddedText,
  type Scores,
} from "./bertscore.js";
import { cancellable } from "./cancellation.js";
import type { OnnxEncoder } from "./encoder.js";
import { boolParameter, decodeTexts, modelMetadata, stringParameter, type RuntimeModel } from "./served-model.js";
import type { TextTokenizer } from "./text-tokenizer.js";

const enc = new TextEncoder();

function requireInput(inputs: ReadonlyMap<string, Tensor>, name: string): Tensor {
  const tensor = inputs.get(name);
  if (!tensor) throw invalidArgument(CONTRACT_ERRORS.missingInput(name));
  return tensor;
}

abstract class BaseModel implements RuntimeModel {
  readonly metadata: ModelMetadata;
  constructor(
    readonly config: ModelConfig,
    readonly version: string,
    platform: string,
  ) {
    this.metadata = modelMetadata(config, version, platform);
  }
  get name(): string {
    return this.config.name;
  }
  /** Runs as the inference of `signal` (cancellation.ts): once it aborts, no further encoder run starts. */
  infer(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters, signal?: AbortSignal): Promise<Tensor[]> {
    return signal ? cancellable(signal, () => this.compute(inputs, parameters)) : this.compute(inputs, parameters);
  }

  protected abstract compute(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters): Promise<Tensor[]>;
}

/** An encoder served as Triton's onnxruntime backend serves it: int64 [batch, tokens] in, FP32 out. */
export class EncoderModel extends BaseModel {
  constructor(
    config: ModelConfig,
    version: string,
    readonly encoder: OnnxEncoder,
  ) {
    super(config, version, "onnxruntime_onnx");
  }

  protected async compute(inputs: ReadonlyMap<string, Tensor>): Promise<Tensor[]> {
    const ids = requireInput(inputs, ENCODER_TENSORS.inputIds);
    const mask = requireInput(inputs, ENCODER_TENSORS.attentionMask);
    if (ids.shape.join() !== mask.shape.join()) {
      throw invalidArgument(`input_ids has shape [${ids.shape.join(",")}] but attention_mask has [${mask.shape.join(",")}]`);
    }
    const outputs = this.metadata.outputs.map((o) => o.name).filter((n) => this.encoder.hasOutput(n));
    const result = await this.encoder.runPadded(
      ids.data as BigInt64Array,
      mask.data as BigInt64Array,
      [ids.shape[0] as number, ids.shape[1] as number],
      outputs,
    );
    return outputs.map((name) => {
      const t = result[name];
      if (!t) throw new Error(`encoder gave no ${name}`);
      return { name, datatype: "FP32", shape: [...t.dims], data: t.data as Float32Array };
    });
  }
}

/** What a text model needs of its encoder. */
export interface EncoderResources {
  name: string;
  encoder: OnnxEncoder;
  /** The fast tokenizer (tokenizer.json): embed's, and bertscore's with use_fast_tokenizer. */
  tokenizer: TextTokenizer;
  /** bert_score's default, the slow tokenizer (bertscore models only). */
  slowTokenizer?: TextTokenizer;
  padId: number;
  /** Baseline text (bert_score's rescale file), if the encoder folder has one. */
  baseline?: Baseline;
}

export class EmbedModel extends BaseModel {
  constructor(
    config: ModelConfig,
    version: string,
    readonly resources: EncoderResources,
  ) {
    super(config, version, "python");
    if (!resources.encoder.hasOutput(ENCODER_TENSORS.sentenceEmbedding)) {
      throw new Error(`encoder ${resources.name} has no ${ENCODER_TENSORS.sentenceEmbedding} output`);
    }
  }

  protected async compute(inputs: ReadonlyMap<string, Tensor>): Promise<Tensor[]> {
    const text = requireInput(inputs, EMBED_TENSORS.text);
    const texts = decodeTexts(text);
    const encoded = await this.resources.encoder.encode(
      texts.map((t) => this.resources.tokenizer.encode(t)),
      [ENCODER_TENSORS.sentenceEmbedding],
      this.resources.padId,
    );
    const hidden = encoded[0]?.sentenceEmbedding?.length ?? 0;
    const data = new Float32Array(texts.length * hidden);
    encoded.forEach((e, i) => data.set(e.sentenceEmbedding as Float32Array, i * hidden));
    return [{ name: EMBED_TENSORS.embedding, datatype: "FP32", shape: [texts.length, hidden], data }];
  }
}

export interface BertScoreSettings {
  modelName: string;
  numLayers: number;
  baselineLang: string;
  bertScoreVersion: string;
  transformersVersion: string;
}

export class BertScoreModel extends BaseModel {
  constructor(
    config: ModelConfig,
    version: string,
    readonly resources: EncoderResources,
    private readonly settings: BertScoreSettings,
  ) {
    super(config, version, "python");
    if (!resources.slowTokenizer) throw new Error(`bertscore model ${config.name} has no slow tokenizer`);
  }

  /** The request's inputs and parameters, checked in the order bertscore_model.py checks them. */
  private parse(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters) {
    const candidate = requireInput(inputs, BERTSCORE_TENSORS.candidate);
    const reference = requireInput(inputs, BERTSCORE_TENSORS.reference);
    const width = reference.shape[1] ?? 0;
    if (width === 0) throw invalidArgument(CONTRACT_ERRORS.noReferenceColumns());
    const countTensor = inputs.get(BERTSCORE_TENSORS.referenceCount);
    const counts = countTensor ? Array.from(countTensor.data as Int32Array) : undefined;
    const bad = counts?.find((n) => n < 1 || n > width);
    if (bad !== undefined) throw invalidArgument(CONTRACT_ERRORS.referenceCount(width, bad));
    const idf = boolParameter(parameters, BERTSCORE_PARAMETERS.idf, false);
    const rescaled = boolParameter(parameters, BERTSCORE_PARAMETERS.rescaleWithBaseline, false);
    const fastTokenizer = boolParameter(parameters, BERTSCORE_PARAMETERS.useFastTokenizer, false);
    const lang = stringParameter(parameters, BERTSCORE_PARAMETERS.lang, DEFAULT_LANG);
    if (rescaled && (!this.resources.baseline || lang.toLowerCase() !== this.settings.baselineLang.toLowerCase())) {
      throw invalidArgument(CONTRACT_ERRORS.noBaseline(this.settings.modelName, lang));
    }
    const candidates = decodeTexts(candidate);
    const texts = decodeTexts(reference);
    // REFERENCE_COUNT of row i real entries; Triton has checked that the inputs' rows agree
    const references = candidates.map((_, i) => texts.slice(i * width, i * width + (counts?.[i] ?? width)));
    return { candidates, references, idf, rescaled, fastTokenizer };
  }

  protected async compute(inputs: ReadonlyMap<string, Tensor>, parameters: Parameters): Promise<Tensor[]> {
    const { candidates, references, idf, rescaled, fastTokenizer } = this.parse(inputs, parameters);
    const { encoder, padId, baseline } = this.resources;
    const tokenizer = fastTokenizer ? this.resources.tokenizer : (this.resources.slowTokenizer as TextTokenizer);
    const unique = [...new Set([...candidates, ...references.flat()])];
    const ids = unique.map((t) => tokenizer.encode(t));
    const encoded = await encoder.encode(ids, [ENCODER_TENSORS.tokenEmbeddings], padId);
    const hidden = (encoded[0]?.tokenEmbeddings?.length ?? 0) / (ids[0]?.length ?? 1);
    const embedded = new Map<string, EmbeddedText>(
      unique.map((text, i) => [
        text,
        { ids: ids[i] as number[], embeddings: normalizeRows(encoded[i]?.tokenEmbeddings as Float32Array, hidden) },
      ]),
    );
    const specials = [tokenizer.clsId, tokenizer.sepId];
    const weight = idf
      ? idfWeights(
          references.flat().map((t) => (embedded.get(t) as EmbeddedText).ids),
          specials,
        )
      : uniformWeights(specials);

    const scores: Scores[] = candidates.map((cand, i) => {
      const c = embedded.get(cand) as EmbeddedText;
      const best = maxOverReferences(
        (references[i] as string[]).map((ref) => scorePair(c, embedded.get(ref) as EmbeddedText, hidden, weight)),
      );
      return rescaled && baseline ? rescale(best, baseline) : best;
    });
    const column = (key: keyof Scores) => new Float32Array(scores.map((s) => s[key]));
    const hash = bertScoreHash({
      modelName: this.settings.modelName,
      numLayers: this.settings.numLayers,
      idf,
      rescaled,
      fastTokenizer,
      bertScoreVersion: this.settings.bertScoreVersion,
      transformersVersion: this.settings.transformersVersion,
    });
    const shape = [candidates.length, 1];
    return [
      { name: BERTSCORE_TENSORS.precision, datatype: "FP32", shape, data: column("precision") },
      { name: BERTSCORE_TENSORS.recall, datatype: "FP32", shape, data: column("recall") },
      { name: BERTSCORE_TENSORS.f1, datatype: "FP32", shape, data: column("f1") },
      { name: BERTSCORE_TENSORS.hash, datatype: "BYTES", shape, data: candidates.map(() => enc.encode(hash)) },
    ];
  }
}

export interface DeviceDescription {
  device: "cuda" | "cpu";
  deviceName: string;
  runtime: string;
}

export function describeDevice(executionProvider: "cpu" | "cuda", runtimeVersion: string): DeviceDescription {
  const cpu = os.cpus()[0]?.model.trim();
  return {
    device: executionProvider,
    deviceName: executionProvider === "cuda" ? "CUDA device (onnxruntime)" : cpu || `${os.arch()} CPU`,
    runtime: `onnxruntime-node ${runtimeVersion}`,
  };
}

export class DeviceInfoModel extends BaseModel {
  constructor(
    config: ModelConfig,
    version: string,
    private readonly description: DeviceDescription,
  ) {
    super(config, version, "python");
  }

  protected async compute(): Promise<Tensor[]> {
    const text = (name: string, value: string): Tensor => ({ name, datatype: "BYTES", shape: [1], data: [enc.encode(value)] });
    const int = (name: string, value: number): Tensor => ({ name, datatype: "INT64", shape: [1], data: new BigInt64Array([BigInt(value)]) });
    return [
      text(DEVICE_INFO_TENSORS.device, this.description.device),
      text(DEVICE_INFO_TENSORS.deviceName, this.description.deviceName),
      int(DEVICE_INFO_TENSORS.vramTotalMb, -1),
      int(DEVICE_INFO_TENSORS.vramUsedMb, -1),
      text(DEVICE_INFO_TENSORS.torchVersion, ""),
      text(DEVICE_INFO_TENSORS.cudaVersion, ""),
      text(DEVICE_INFO_TENSORS.runtime, this.description.runtime),
    ];
  }
}
