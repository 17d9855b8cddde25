/**
 * The model contract of triton-models/README.md in TypeScript: model, tensor and parameter names, dtypes and
 * the error messages the text-in models answer with. The one TS definition; web-standard only.
 */
export const TASKS = ["embed", "bertscore", "device_info"] as const;
export type Task = (typeof TASKS)[number];

/** Default model names in the repository. */
export const MODELS = {
  embed: "embed",
  bertscore: "bertscore",
  deviceInfo: "device_info",
  /** BERTScore served on the MiniLM encoder when roberta-large is absent. */
  bertscoreMiniLM: "bertscore-all-MiniLM-L6-v2",
  encoderMiniLM: "all-MiniLM-L6-v2",
  encoderRobertaLarge: "roberta-large",
} as const;

/** Discovery parameters in config.pbtxt `parameters` (string values). */
export const CONFIG_PARAMETERS = {
  task: "task",
  modelName: "model_name",
  /** The Hugging Face id the model was exported from (`FacebookAI/roberta-large`); requests may name it. */
  hubId: "hub_id",
  encoderModel: "encoder_model",
  maxLength: "max_length",
  numLayers: "num_layers",
  tokenizerType: "tokenizer_type",
  baselineLang: "baseline_lang",
} as const;

export type TokenizerType = "roberta" | "bert";

/** Encoder (onnxruntime) tensors. */
export const ENCODER_TENSORS = {
  inputIds: "input_ids",
  attentionMask: "attention_mask",
  tokenEmbeddings: "token_embeddings",
  sentenceEmbedding: "sentence_embedding",
} as const;

/** Files of an encoder's version folder. */
export const ENCODER_FILES = {
  model: "model.onnx",
  tokenizer: "tokenizer.json",
  baseline: "baseline.tsv",
} as const;

export const EMBED_TENSORS = { text: "TEXT", embedding: "EMBEDDING" } as const;

export const BERTSCORE_TENSORS = {
  candidate: "CANDIDATE",
  reference: "REFERENCE",
  referenceCount: "REFERENCE_COUNT",
  precision: "PRECISION",
  recall: "RECALL",
  f1: "F1",
  hash: "HASH",
} as const;

/** Request parameters of bertscore models. */
export const BERTSCORE_PARAMETERS = {
  idf: "idf",
  rescaleWithBaseline: "rescale_with_baseline",
  lang: "lang",
  /** bert_score's `use_fast_tokenizer`: the fast (tokenizer.json) tokenizer instead of the slow default. */
  useFastTokenizer: "use_fast_tokenizer",
} as const;

export const DEFAULT_LANG = "en";

export const DEVICE_INFO_TENSORS = {
  device: "DEVICE",
  deviceName: "DEVICE_NAME",
  vramTotalMb: "VRAM_TOTAL_MB",
  vramUsedMb: "VRAM_USED_MB",
  torchVersion: "TORCH_VERSION",
  cudaVersion: "CUDA_VERSION",
  runtime: "RUNTIME",
} as const;

/**
 * Error messages of the text-in models themselves (all INVALID_ARG: HTTP 400, gRPC INVALID_ARGUMENT), as
 * triton-models/text_model_common.py and bertscore_model.py word them. What Triton refuses before a model runs
 * (input counts, row counts, empty batches) is worded by Triton: runtime/served-model.ts.
 */
const NO_BASELINE = "no rescale baseline for ";

export const CONTRACT_ERRORS = {
  invalidUtf8: (input: string) => `invalid UTF-8 in ${input}`,
  /** Triton counts inputs, not names: an optional input can stand where a required one is missing. */
  missingInput: (input: string) => `missing input ${input}`,
  referenceCount: (width: number, got: number) => `REFERENCE_COUNT must be within 1..${width}, got ${got}`,
  noReferenceColumns: () => "REFERENCE_COUNT must be within 1..width: REFERENCE has no columns",
  booleanParameter: (key: string, value: unknown) => `parameter ${key} must be a boolean, got ${JSON.stringify(value)}`,
  stringParameter: (key: string, value: unknown) => `parameter ${key} must be a string, got ${JSON.stringify(value)}`,
  noBaseline: (modelName: string, lang: string) => `${NO_BASELINE}${modelName} lang ${lang}`,
} as const;

/** Whether an upstream's refusal is the models' "no rescale baseline" (clients get its own error code for it). */
export function isNoBaselineMessage(message: string): boolean {
  return message.startsWith(NO_BASELINE);
}

/** bert_score's hash: `{model}_L{layers}{_idf|_no-idf}_version={v}(hug_trans={t})[-rescaled][_fast-tokenizer]`. */
export function bertScoreHash(options: {
  modelName: string;
  numLayers: number;
  idf: boolean;
  rescaled: boolean;
  fastTokenizer: boolean;
  bertScoreVersion: string;
  transformersVersion: string;
}): string {
  const idf = options.idf ? "_idf" : "_no-idf";
  const hash = `${options.modelName}_L${options.numLayers}${idf}_version=${options.bertScoreVersion}(hug_trans=${options.transformersVersion})`;
  return `${hash}${options.rescaled ? "-rescaled" : ""}${options.fastTokenizer ? "_fast-tokenizer" : ""}`;
}
