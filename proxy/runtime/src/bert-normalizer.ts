/**
 * The `BertNormalizer` of the Rust `tokenizers` crate, character for character. tokenizers.js differs from it:
 * it lowercases whole strings (`Σ` at a word end becomes final `ς`, Rust gives `σ`), lowercases before stripping
 * accents, and uses JS `\s` for whitespace.
 */
// Rust's `is_other` table predates the JS one for unassigned code points: those stay (and become [UNK]).
const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export interface BertNormalizerOptions {
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  strip_accents?: boolean | null;
  lowercase?: boolean;
}

export function createBertNormalizer(options: BertNormalizerOptions): (text: string) => string {
  const cleanText = options.clean_text ?? true;
  const chinese = options.handle_chinese_chars ?? true;
  const lowercase = options.lowercase ?? true;
  const stripAccents = options.strip_accents ?? lowercase;
  return (text: string): string => {
    let out = "";
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      if (cleanText) {
        if (ch === "\t" || ch === "\n" || ch === "\r") {
          out += " ";
          continue;
        }
        if (cp === 0 || cp === 0xfffd || CONTROL.test(ch)) continue;
        if (WHITESPACE.test(ch)) {
          out += " ";
          continue;
        }
      }
      out += chinese && isChineseChar(cp) ? ` ${ch} ` : ch;
    }
    if (stripAccents) out = out.normalize("NFD").replace(NONSPACING_MARK, "");
    if (lowercase) {
      let lowered = "";
      for (const ch of out) lowered += ch.toLowerCase();
      out = lowered;
    }
    return out;
  };
}
