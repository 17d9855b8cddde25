/**
 * Unicode corpus rows where the runtime's fast WordPiece path (tokenizers.js with the runtime's BertNormalizer)
 * and the Rust `tokenizers` crate that bert_score's use_fast_tokenizer runs disagree: tokenizers.js reads V8's
 * Unicode tables (17.0), the crate older ones, and the two treat these Unicode 15 punctuation and marks
 * differently. bert_score's default, the slow tokenizer, is exact on them; these only concern
 * `use_fast_tokenizer` (and embed) on the embedded runtime.
 */
export const FAST_BERT_DIFFERENCES: ReadonlySet<string> = new Set(["devanagari-ext-a-unicode-15", "arabic-ext-c-unicode-15"]);
