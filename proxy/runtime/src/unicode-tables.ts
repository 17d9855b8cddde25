/**
 * The Unicode properties bert_score's slow tokenizers read, from the model repository's bert_score_unicode.json (one
 * Unicode version, the file the Python models beside it read too), with the operations those tokenizers perform on them:
 * Python's `str.lower` one code point at a time, `str.strip`/`str.split`, `unicodedata.normalize` (NFC, NFD).
 * Nothing here asks V8 for a Unicode property: its tables are another Unicode version.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

/** The tables' file, in the model repository's root (where the Python models read it too). */
export const UNICODE_TABLES_FILE = "bert_score_unicode.json";

interface TablesFile {
  unicode_version: string;
  general_category: [number, string][];
  python_space: [number, number][];
  white_space: [number, number][];
  lowercase: number[][];
  canonical_decomposition: number[][];
  combining_class: [number, number, number][];
  full_composition_exclusion: [number, number][];
}

const HANGUL_S = 0xac00;
const HANGUL_L = 0x1100;
const HANGUL_V = 0x1161;
const HANGUL_T = 0x11a7;
const HANGUL_L_COUNT = 19;
const HANGUL_V_COUNT = 21;
const HANGUL_T_COUNT = 28;
const HANGUL_S_COUNT = 11172;

export type CodePointRange = readonly [first: number, last: number];

function codePointSet(ranges: readonly [number, number][]): Set<number> {
  const set = new Set<number>();
  for (const [first, last] of ranges) for (let cp = first; cp <= last; cp++) set.add(cp);
  return set;
}

export class UnicodeTables {
  readonly version: string;
  private readonly categoryStarts: Int32Array;
  private readonly categoryValues: string[];
  private readonly pythonSpace: Set<number>;
  private readonly whiteSpace: Set<number>;
  private readonly lowercase = new Map<number, string>();
  private readonly decomposition = new Map<number, readonly number[]>();
  private readonly combining = new Map<number, number>();
  private readonly composition = new Map<string, number>();

  constructor(data: TablesFile) {
    this.version = data.unicode_version;
    this.categoryStarts = Int32Array.from(data.general_category, ([start]) => start);
    this.categoryValues = data.general_category.map(([, value]) => value);
    this.pythonSpace = codePointSet(data.python_space);
    this.whiteSpace = codePointSet(data.white_space);
    for (const [cp, ...mapped] of data.lowercase) this.lowercase.set(cp as number, String.fromCodePoint(...mapped));
    for (const [cp, ...parts] of data.canonical_decomposition) this.decomposition.set(cp as number, parts);
    for (const [first, last, value] of data.combining_class) for (let cp = first; cp <= last; cp++) this.combining.set(cp, value);
    const excluded = codePointSet(data.full_composition_exclusion);
    for (const [cp, parts] of this.decomposition) {
      if (parts.length === 2 && !excluded.has(cp)) this.composition.set(`${parts[0]},${parts[1]}`, cp);
    }
  }

  /** General category of a code point, e.g. `Lu`, `Mn`, `Cn`. */
  category(cp: number): string {
    const starts = this.categoryStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= cp) low = mid;
      else high = mid - 1;
    }
    return this.categoryValues[low] as string;
  }

  /** Ranges of the code points whose general category satisfies `predicate`. */
  codePoints(predicate: (category: string) => boolean): CodePointRange[] {
    const ranges: [number, number][] = [];
    this.categoryValues.forEach((value, index) => {
      if (!predicate(value)) return;
      const first = this.categoryStarts[index] as number;
      const last = (this.categoryStarts[index + 1] ?? 0x110000) - 1;
      const previous = ranges[ranges.length - 1];
      if (previous && previous[1] === first - 1) previous[1] = last;
      else ranges.push([first, last]);
    });
    return ranges;
  }

  /** Python's `str.isspace` (bidirectional class WS, B or S, or category Zs). */
  isPythonSpace(cp: number): boolean {
    return this.pythonSpace.has(cp);
  }

  /** The White_Space property: the `regex` package's `\s`. */
  isWhiteSpace(cp: number): boolean {
    return this.whiteSpace.has(cp);
  }

  whiteSpaceRanges(): CodePointRange[] {
    return [...this.whiteSpace].sort((a, b) => a - b).map((cp) => [cp, cp] as const);
  }

  /** `str.lower()` of each code point on its own, as transformers applies it (no final sigma). */
  lower(text: string): string {
    let out = "";
    for (const ch of text) out += this.lowercase.get(ch.codePointAt(0) as number) ?? ch;
    return out;
  }

  strip(text: string): string {
    return this.rstrip(this.lstrip(text));
  }

  lstrip(text: string): string {
    const cps = Array.from(text);
    let start = 0;
    while (start < cps.length && this.pythonSpace.has((cps[start] as string).codePointAt(0) as number)) start++;
    return cps.slice(start).join("");
  }

  rstrip(text: string): string {
    const cps = Array.from(text);
    let end = cps.length;
    while (end > 0 && this.pythonSpace.has((cps[end - 1] as string).codePointAt(0) as number)) end--;
    return cps.slice(0, end).join("");
  }

  /** `str.split()` without arguments. */
  split(text: string): string[] {
    const words: string[] = [];
    let word = "";
    for (const ch of text) {
      if (this.pythonSpace.has(ch.codePointAt(0) as number)) {
        if (word) words.push(word);
        word = "";
      } else {
        word += ch;
      }
    }
    if (word) words.push(word);
    return words;
  }

  private decompose(cp: number, out: number[]): void {
    if (cp >= HANGUL_S && cp < HANGUL_S + HANGUL_S_COUNT) {
      const index = cp - HANGUL_S;
      out.push(HANGUL_L + Math.floor(index / (HANGUL_V_COUNT * HANGUL_T_COUNT)));
      out.push(HANGUL_V + Math.floor((index % (HANGUL_V_COUNT * HANGUL_T_COUNT)) / HANGUL_T_COUNT));
      if (index % HANGUL_T_COUNT) out.push(HANGUL_T + (index % HANGUL_T_COUNT));
      return;
    }
    const parts = this.decomposition.get(cp);
    if (!parts) out.push(cp);
    else for (const part of parts) this.decompose(part, out);
  }

  private nfdCodePoints(text: string): number[] {
    const out: number[] = [];
    for (const ch of text) this.decompose(ch.codePointAt(0) as number, out);
    // canonical ordering: a stable sort of every run of non-starters by combining class
    let start = 0;
    while (start < out.length) {
      if (!this.combining.has(out[start] as number)) {
        start++;
        continue;
      }
      let end = start;
      while (end < out.length && this.combining.has(out[end] as number)) end++;
      const run = out.slice(start, end).sort((a, b) => (this.combining.get(a) as number) - (this.combining.get(b) as number));
      out.splice(start, run.length, ...run);
      start = end;
    }
    return out;
  }

  nfd(text: string): string {
    return isAscii(text) ? text : fromCodePoints(this.nfdCodePoints(text));
  }

  nfc(text: string): string {
    if (isAscii(text)) return text;
    const out: number[] = [];
    let starter = -1; // index in out of the last starter
    let lastClass = 0; // combining class of the last code point kept after that starter
    for (const cp of this.nfdCodePoints(text)) {
      const klass = this.combining.get(cp) ?? 0;
      if (starter >= 0 && (starter === out.length - 1 || (lastClass > 0 && lastClass < klass))) {
        const composed = this.compose(out[starter] as number, cp);
        if (composed !== undefined) {
          out[starter] = composed;
          continue;
        }
      }
      if (klass === 0) starter = out.length;
      lastClass = klass;
      out.push(cp);
    }
    return fromCodePoints(out);
  }

  private compose(first: number, second: number): number | undefined {
    if (first >= HANGUL_L && first < HANGUL_L + HANGUL_L_COUNT && second >= HANGUL_V && second < HANGUL_V + HANGUL_V_COUNT) {
      return HANGUL_S + ((first - HANGUL_L) * HANGUL_V_COUNT + second - HANGUL_V) * HANGUL_T_COUNT;
    }
    if (
      first >= HANGUL_S &&
      first < HANGUL_S + HANGUL_S_COUNT &&
      (first - HANGUL_S) % HANGUL_T_COUNT === 0 &&
      second > HANGUL_T &&
      second < HANGUL_T + HANGUL_T_COUNT
    ) {
      return first + second - HANGUL_T;
    }
    return this.composition.get(`${first},${second}`);
  }
}

/** String.fromCodePoint in slices: a spread of a long text's code points would overflow the call stack. */
function fromCodePoints(cps: readonly number[]): string {
  let out = "";
  for (let i = 0; i < cps.length; i += 4096) out += String.fromCodePoint(...cps.slice(i, i + 4096));
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The tables of `repository`'s bert_score_unicode.json. */
export async function readUnicodeTables(repository: string): Promise<UnicodeTables> {
  const file = path.join(repository, UNICODE_TABLES_FILE);
  return new UnicodeTables(JSON.parse(await readFile(file, "utf8")) as TablesFile);
}
