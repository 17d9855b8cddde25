/**
 * The Unicode corpus goldens (test/fixtures/goldens/bertscore-unicode-corpus.json): bert_score's scores of the
 * corpus rows for each served model, slow and fast tokenizer, as every suite reads them. No Node APIs: the workerd
 * suite reads it too.
 */
import unicodeCorpusGoldens from "../fixtures/goldens/bertscore-unicode-corpus.json" with { type: "json" };

export interface CorpusScores {
  P: (number | null)[];
  R: (number | null)[];
  F: (number | null)[];
}

export interface CorpusCase extends CorpusScores {
  name: string;
  rows: number[];
  cands: string[];
  refs: string[][];
  idf: boolean;
  use_fast_tokenizer: boolean;
  hash: string;
  /** slow cases: the reference with its Unicode tables patched to 15.0.0 */
  unicode_15?: CorpusScores;
  /** slow cases: rows (corpus indices) where that differs from the unpatched reference */
  differs_from_reference?: number[];
}

export interface CorpusGoldens {
  unicode_version: string;
  row_names: string[];
  models: Record<string, { cases: CorpusCase[] }>;
}

export const UNICODE_CORPUS = unicodeCorpusGoldens as unknown as CorpusGoldens;

/** The case `name` of the served model `served`; throws when the goldens have none. */
export function corpusCase(served: string, name: string): CorpusCase {
  const found = UNICODE_CORPUS.models[served]?.cases.find((c) => c.name === name);
  if (!found) throw new Error(`no corpus case ${served}/${name}`);
  return found;
}
