/**
 * The bert_score that both BERTScore implementations reproduce, from the model repository's
 * bert_score_reference.json (the file bert_score_tokenizer.py beside it reads too): the bert_score and transformers
 * versions its hash names, and the Unicode version of the slow tokenizers' tables (bert_score_unicode.json).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { readUnicodeTables, type UnicodeTables } from "./unicode-tables.js";

/** The reference's file, in the model repository's root. */
export const REFERENCE_FILE = "bert_score_reference.json";

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

export interface BertScoreFiles {
  reference: BertScoreReference;
  unicode: UnicodeTables;
}

/**
 * The reference and the Unicode tables in `repository`'s root, checked together (a missing or bad file refuses the
 * bertscore models, with the reason).
 */
export async function readBertScoreFiles(repository: string): Promise<BertScoreFiles> {
  const file = path.join(repository, REFERENCE_FILE);
  const unicode = await readUnicodeTables(repository);
  const reference = parseBertScoreReference(JSON.parse(await readFile(file, "utf8")), unicode, file);
  return { reference, unicode };
}
