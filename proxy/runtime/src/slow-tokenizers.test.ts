/**
 * The runtime's tokenizers on the Unicode corpus with the real vocabularies (test/fixtures/tokenizers) against bert_score's
 * sent_encode in the reference environment (test/fixtures/goldens/tokenizer-corpus.json, written by
 * `gpu-bridge-export fixtures`; test/python checks that file against the live reference).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { TokenizerType } from "@gpu-bridge/contract/model-contract";
import { createSlowTokenizer } from "./slow-tokenizers.js";
import { FAST_BERT_DIFFERENCES } from "@gpu-bridge/test-support/fast-tokenizer-differences";
import { FIXTURES, FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { readUnicodeTables } from "./unicode-tables.js";
import { createTextTokenizer, robertaTokenizerJson, type TextTokenizer, type TokenizerJson } from "./text-tokenizer.js";

const ASSETS = fileURLToPath(new URL("../../../test/fixtures/tokenizers/", import.meta.url));
const MINILM = `${ASSETS}minilm/tokenizer.json`;
const ROBERTA_VOCAB = `${ASSETS}roberta/vocab.json`;
const ROBERTA_MERGES = `${ASSETS}roberta/merges.txt`;

interface CorpusGoldens {
  unicode_version: string;
  rows: { name: string; text: string; unicode_differences: unknown[] }[];
  tokenizers: Record<TokenizerType, { slow: number[][]; slow_unicode_15: number[][]; fast: number[][] }>;
}
const goldens = JSON.parse(readFileSync(new URL("goldens/tokenizer-corpus.json", FIXTURES), "utf8")) as CorpusGoldens;

/** RoBERTa's tokenizer.json as transformers converts it from the slow tokenizer, whose merges.txt reading
 * (`split("\n")[1:-1]`) drops a last line without newline: GPT-2's `Ġg azed`. */
function robertaJson(): TokenizerJson {
  const vocab = JSON.parse(readFileSync(ROBERTA_VOCAB, "utf8")) as Record<string, number>;
  return robertaTokenizerJson(vocab, readFileSync(ROBERTA_MERGES, "utf8").split("\n").slice(1, -1));
}

describe("bert_score's tokenization of the Unicode corpus", () => {
  const tokenizers = {} as Record<TokenizerType, { slow: TextTokenizer; fast: TextTokenizer }>;
  beforeAll(async () => {
    const unicode = await readUnicodeTables(FIXTURE_REPOSITORY);
    const sources: [TokenizerType, TokenizerJson][] = [
      ["bert", JSON.parse(readFileSync(MINILM, "utf8")) as TokenizerJson],
      ["roberta", robertaJson()],
    ];
    for (const [type, json] of sources) {
      tokenizers[type] = {
        slow: createSlowTokenizer(json, { type, maxLength: 512 }, unicode),
        fast: createTextTokenizer(json, { type, maxLength: 512 }),
      };
    }
  });

  const rows = goldens.rows.map((row, index) => [row.name, index] as const);
  for (const type of ["bert", "roberta"] as const) {
    const expected = goldens.tokenizers[type];
    it.each(rows)(`${type} slow, Unicode ${goldens.unicode_version}: %s`, (_name, i) => {
      const ids = tokenizers[type].slow.encode(goldens.rows[i]?.text as string);
      // the reference with its Unicode tables patched to 15.0.0 (reference_runner --unicode-15)
      expect(ids).toEqual(expected.slow_unicode_15[i]);
      // the unpatched reference wherever its Unicode versions agree with 15.0.0 on this text's code points
      if ((goldens.rows[i]?.unicode_differences.length ?? 0) === 0) expect(ids).toEqual(expected.slow[i]);
    });
    it.each(rows.filter(([name]) => type === "roberta" || !FAST_BERT_DIFFERENCES.has(name)))(
      `${type} fast (use_fast_tokenizer): %s`,
      (_name, i) => {
        expect(tokenizers[type].fast.encode(goldens.rows[i]?.text as string)).toEqual(expected.fast[i]);
      },
    );
  }

  it("rows where the unpatched reference differs carry code points whose properties differ from Unicode 15.0", () => {
    for (const type of ["bert", "roberta"] as const) {
      const { slow, slow_unicode_15: patched } = goldens.tokenizers[type];
      goldens.rows.forEach((row, i) => {
        if (JSON.stringify(slow[i]) !== JSON.stringify(patched[i])) expect(row.unicode_differences, row.name).not.toEqual([]);
      });
    }
  });

  it("the fast path's known differences are still differences (drop them from the list when fixed)", () => {
    goldens.rows.forEach((row, i) => {
      if (FAST_BERT_DIFFERENCES.has(row.name)) {
        expect(tokenizers.bert.fast.encode(row.text)).not.toEqual(goldens.tokenizers.bert.fast[i]);
      }
    });
  });
});
