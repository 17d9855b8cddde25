/**
 * The runtime's Unicode operations equal the Python models' (triton-models/bert_score_tokenizer.py, which
 * test/python checks against unicodedata2 15.0.0 and the Unicode 15.0.0 normalization tests) on every code point
 * and on the corpus texts, and V8's where Unicode guarantees stability.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, REPO_ROOT } from "@gpu-bridge/test-support/fixtures";
import { requirePrerequisites } from "@gpu-bridge/test-support/prerequisites";
import { VENV_PYTHON, hasVenvPython, runPython } from "@gpu-bridge/test-support/python";
import { DEFAULT_MODEL_REPOSITORY } from "./default-repository.js";
import { readUnicodeTables } from "./unicode-tables.js";

const tables = await readUnicodeTables(DEFAULT_MODEL_REPOSITORY);
const BLOCK = 0x1000;
const corpus = (
  JSON.parse(readFileSync(new URL("goldens/tokenizer-corpus.json", FIXTURES), "utf8")) as { rows: { text: string }[] }
).rows.map((row) => row.text);

const hex = (text: string) => Array.from(text, (ch) => (ch.codePointAt(0) as number).toString(16)).join(".");

/** One line per code point (surrogates left out), hashed per block of 4096: the same in both languages. */
const PYTHON = `
import hashlib, json, sys
sys.path.insert(0, ${JSON.stringify(path.join(REPO_ROOT, "triton-models"))})
from bert_score_tokenizer import load_unicode_tables
u = load_unicode_tables()
hx = lambda s: ".".join(format(ord(c), "x") for c in s)
digests = []
for start in range(0, 0x110000, ${BLOCK}):
    lines = []
    for cp in range(start, start + ${BLOCK}):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        lines.append(f"{cp:x} {u.category(c)} {int(c in u.python_space)}{int(c in u.white_space)} {hx(u.lower(c))} {hx(u.nfd(c))} {hx(u.nfc(c))}\\n")
    digests.append(hashlib.sha256("".join(lines).encode()).hexdigest())
texts = json.loads(sys.stdin.read())
print(json.dumps({"digests": digests, "texts": [[hx(u.nfc(t)), hx(u.nfd(t)), hx(u.lower(t)), u.split(t), hx(u.strip(t))] for t in texts]}))
`;

requirePrerequisites(hasVenvPython ? [] : [VENV_PYTHON]);

describe("Unicode tables: the runtime against the Python models' module", () => {
  let python: { digests: string[]; texts: [string, string, string, string[], string][] };
  beforeAll(async () => {
    python = JSON.parse(await runPython(PYTHON, JSON.stringify(corpus))) as typeof python;
  }, 180_000);

  it("every code point: category, str.isspace, White_Space, lower, NFD, NFC", () => {
    const u = tables;
    const mismatched: string[] = [];
    for (let start = 0, block = 0; start < 0x110000; start += BLOCK, block++) {
      let lines = "";
      for (let cp = start; cp < start + BLOCK; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue;
        const c = String.fromCodePoint(cp);
        const spaces = `${Number(u.isPythonSpace(cp))}${Number(u.isWhiteSpace(cp))}`;
        lines += `${cp.toString(16)} ${u.category(cp)} ${spaces} ${hex(u.lower(c))} ${hex(u.nfd(c))} ${hex(u.nfc(c))}\n`;
      }
      if (createHash("sha256").update(lines).digest("hex") !== python.digests[block]) mismatched.push(start.toString(16));
    }
    expect(mismatched).toEqual([]);
  });

  it("the corpus texts: NFC, NFD, lower, split, strip", () => {
    const u = tables;
    corpus.forEach((text, i) => {
      expect([hex(u.nfc(text)), hex(u.nfd(text)), hex(u.lower(text)), u.split(text), hex(u.strip(text))], text).toEqual(
        python.texts[i],
      );
    });
  });
});

describe("Unicode tables against V8 where Unicode promises stability", () => {
  it("NFC and NFD of every code point assigned in the tables' version (normalization stability)", () => {
    const u = tables;
    const differing: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if ((cp >= 0xd800 && cp <= 0xdfff) || u.category(cp) === "Cn") continue;
      const c = String.fromCodePoint(cp);
      if (u.nfc(c) !== c.normalize("NFC") || u.nfd(c) !== c.normalize("NFD")) differing.push(cp.toString(16));
    }
    expect(differing).toEqual([]);
  });

  it("names its version", () => {
    expect(tables.version).toBe("15.0.0");
  });
});
