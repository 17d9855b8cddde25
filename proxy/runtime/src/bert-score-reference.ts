/**
 * The bert_score that both BERTScore implementations reproduce, from triton-models/bert_score_reference.json (the
 * file triton-models/bert_score_tokenizer.py reads too): the bert_score and transformers versions its hash names,
 * and the Unicode version of the slow tokenizers' tables (bert_score_unicode.json).
 */
import data from "../../../triton-models/bert_score_reference.json" with { type: "json" };
import { unicodeTables, type UnicodeTables } from "./unicode-tables.js";

export const REFERENCE_FILE = "triton-models/bert_score_reference.json";

export interface BertScoreReference {
  /** What bert_score calls itself (`__version__`; 0.3.13 reports 0.3.12), as its hash names it. */
  bertScoreVersion: string;
  /** The transformers whose slow tokenizers are reproduced, as the hash names it (`hug_trans=`). */
  transformersVersion: string;
  /** The Unicode version of the tables the slow tokenizers read. */
  unicodeVersion: string;
}

const FIELDS = {
  bertScoreVersion: "bert_score_version",
  transformersVersion: "transformers_version",
  unicodeVersion: "unicode_version",
} as const;

/** The reference in `file`, checked: every field a non-empty string, the tables of the Unicode version it names. */
export function parseBertScoreReference(file: unknown, tables: Pick<UnicodeTables, "version">, source = REFERENCE_FILE): BertScoreReference {
  const record = (typeof file === "object" && file !== null ? file : {}) as Record<string, unknown>;
  const missing = Object.values(FIELDS).filter((field) => typeof record[field] !== "string" || record[field] === "");
  if (missing.length > 0) throw new Error(`${source} names no ${missing.join(", ")}`);
  const reference = Object.fromEntries(
    Object.entries(FIELDS).map(([key, field]) => [key, record[field] as string]),
  ) as unknown as BertScoreReference;
  if (tables.version !== reference.unicodeVersion) {
    throw new Error(`the Unicode tables hold Unicode ${tables.version}, ${source} names ${reference.unicodeVersion}`);
  }
  return reference;
}

let loaded: BertScoreReference | undefined;

/** The bundled reference, checked on first use (a bad file refuses the bertscore models, with the reason). */
export function bertScoreReference(): BertScoreReference {
  loaded ??= parseBertScoreReference(data, unicodeTables());
  return loaded;
}
