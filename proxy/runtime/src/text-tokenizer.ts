/**
 * Text -> token ids with the fast tokenizer (tokenizer.json, as the Rust `tokenizers` runs it): sentence-transformers'
 * tokenization for embed, and bert_score's with `use_fast_tokenizer` (no RoBERTa prefix space: bert_score passes
 * `add_prefix_space` only to the slow GPT-2/RoBERTa tokenizers). `str.strip`, truncation to `maxLength` tokens
 * including the two specials, no fixed padding. bert_score's default, the slow tokenizers: slow-tokenizers.ts.
 */
import { Tokenizer } from "@huggingface/tokenizers";
import type { TokenizerType } from "@gpu-bridge/contract/model-contract";
import { createBertNormalizer, type BertNormalizerOptions } from "./bert-normalizer.js";

export interface TextTokenizer {
  readonly type: TokenizerType;
  readonly maxLength: number;
  readonly clsId: number;
  readonly sepId: number;
  /** Id used to pad a batch (masked out). */
  readonly padId: number;
  /** Token ids with specials, truncated to maxLength. */
  encode(text: string): number[];
}

export interface TokenizerJson {
  normalizer?: ({ type?: string } & BertNormalizerOptions) | null;
  [key: string]: unknown;
}

/**
 * GPT-2's split pattern as Oniguruma runs it in the Rust crate: its `\s` is Unicode White_Space (U+0085 yes,
 * U+FEFF no), unlike JavaScript's `\s`.
 */
const BYTE_LEVEL_PATTERN =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const LEADING = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING = new RegExp(`[${PY_SPACE}]+$`);

/**
 * Python's `str.strip()` with no arguments: strips the characters `str.isspace()` accepts, which is wider than
 * JavaScript's `String.prototype.trim` (it includes U+001C..U+001F and U+0085, and excludes U+FEFF).
 */
export function pyStrip(text: string): string {
  return text.replace(LEADING, "").replace(TRAILING, "");
}

const SPECIALS: Record<TokenizerType, [cls: string, sep: string]> = {
  bert: ["[CLS]", "[SEP]"],
  roberta: ["<s>", "</s>"],
};

/** The contract's tokenizer type from a tokenizer.json: byte-level BPE is RoBERTa's, WordPiece BERT's. */
export function tokenizerTypeOf(tokenizerJson: TokenizerJson): TokenizerType {
  const model = tokenizerJson.model as { type?: string } | undefined;
  return model?.type === "BPE" ? "roberta" : "bert";
}

export function createTextTokenizer(
  tokenizerJson: TokenizerJson,
  options: { type: TokenizerType; maxLength: number },
): TextTokenizer {
  const { type, maxLength } = options;
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error(`max_length must be an integer >= 2, got ${maxLength}`);
  const modelType = (tokenizerJson.model as { type?: string } | undefined)?.type;
  if (modelType !== "WordPiece" && modelType !== "BPE") {
    // e.g. paraphrase-multilingual-MiniLM-L12-v2 (XLM-R's sentencepiece Unigram, <s>/</s>): Triton serves it
    throw new Error(
      `tokenizer model ${JSON.stringify(modelType)} is not implemented in the embedded runtime (WordPiece and ` +
        "byte-level BPE are); serve this model with Triton",
    );
  }
  // tokenizer.json may carry a fixed truncation/padding for batch use; the contract's own rules apply instead.
  const tokenizer = new Tokenizer({ ...tokenizerJson, truncation: null, padding: null }, {});
  if (tokenizerJson.normalizer?.type === "BertNormalizer") {
    (tokenizer as unknown as { normalizer: (text: string) => string }).normalizer = createBertNormalizer(
      tokenizerJson.normalizer,
    );
  }
  const preTokenizer = tokenizer.pre_tokenizer as unknown as { config?: { type?: string }; pattern?: RegExp } | null;
  if (preTokenizer?.config?.type === "ByteLevel" && preTokenizer.pattern) preTokenizer.pattern = BYTE_LEVEL_PATTERN;
  const [cls, sep] = SPECIALS[type];
  const clsId = tokenizer.token_to_id(cls);
  const sepId = tokenizer.token_to_id(sep);
  if (clsId === undefined || sepId === undefined) throw new Error(`tokenizer has no ${cls} / ${sep} tokens`);
  const maxContent = maxLength - 2;
  const padId = tokenizer.token_to_id(type === "roberta" ? "<pad>" : "[PAD]") ?? 0;
  return {
    type,
    maxLength,
    clsId,
    sepId,
    padId,
    encode(text: string): number[] {
      const stripped = pyStrip(text);
      if (stripped === "") return [clsId, sepId];
      const ids = tokenizer.encode(stripped, { add_special_tokens: false }).ids;
      return [clsId, ...(ids.length > maxContent ? ids.slice(0, maxContent) : ids), sepId];
    },
  };
}

/**
 * tokenizer.json for roberta-large built from its vocab.json + merges.txt, as transformers' slow-to-fast
 * conversion writes it (byte-level BPE, no prefix space, `<mask>` strips left).
 */
export function robertaTokenizerJson(vocab: Record<string, number>, merges: string[]): TokenizerJson {
  const special = (content: string, extra: Record<string, boolean> = {}) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
    ...extra,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      special("<s>"),
      special("<pad>"),
      special("</s>"),
      special("<unk>"),
      special("<mask>", { lstrip: true, normalized: false }),
    ],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: "RobertaProcessing",
      sep: ["</s>", vocab["</s>"]],
      cls: ["<s>", vocab["<s>"]],
      trim_offsets: true,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.filter((line) => line !== "" && !line.startsWith("#version")),
    },
  };
}
