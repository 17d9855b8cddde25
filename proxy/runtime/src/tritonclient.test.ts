/** NVIDIA's own Python client (tritonclient.http) against the standalone runtime, checked against the goldens. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntimeServer, type RuntimeServer } from "./index.js";
import { maxAbsDiff } from "@gpu-bridge/test-support/kserve-test-client";
import { FIXTURES, FIXTURE_REPOSITORY } from "@gpu-bridge/test-support/fixtures";
import { requirePrerequisites } from "@gpu-bridge/test-support/prerequisites";
import { VENV_PYTHON, hasVenvPython, runPython } from "@gpu-bridge/test-support/python";

const CLIENT = `
import json, os, sys
import numpy as np
import tritonclient.http as httpclient

job = json.load(sys.stdin)
client = httpclient.InferenceServerClient(url=os.environ["RUNTIME_URL"])
result = {"live": client.is_server_live(), "ready": client.is_server_ready(),
          "embed_ready": client.is_model_ready("embed"),
          "metadata": client.get_model_metadata("bertscore"),
          "config": client.get_model_config("bertscore")}

for binary in (True, False):
    inp = httpclient.InferInput("TEXT", [len(job["texts"]), 1], "BYTES")
    inp.set_data_from_numpy(np.array(job["texts"], dtype=object).reshape(-1, 1), binary_data=binary)
    out = httpclient.InferRequestedOutput("EMBEDDING", binary_data=binary)
    result[f"embed_{binary}"] = client.infer("embed", [inp], outputs=[out]).as_numpy("EMBEDDING").tolist()

    case = job["case"]
    width = max(len(r) for r in case["refs"])
    refs = [r + [""] * (width - len(r)) for r in case["refs"]]
    cand = httpclient.InferInput("CANDIDATE", [len(case["cands"]), 1], "BYTES")
    cand.set_data_from_numpy(np.array(case["cands"], dtype=object).reshape(-1, 1), binary_data=binary)
    ref = httpclient.InferInput("REFERENCE", [len(refs), width], "BYTES")
    ref.set_data_from_numpy(np.array(refs, dtype=object), binary_data=binary)
    count = httpclient.InferInput("REFERENCE_COUNT", [len(refs), 1], "INT32")
    count.set_data_from_numpy(np.array([[len(r)] for r in case["refs"]], dtype=np.int32), binary_data=binary)
    outputs = [httpclient.InferRequestedOutput(n, binary_data=binary) for n in ("PRECISION", "RECALL", "F1", "HASH")]
    r = client.infer("bertscore", [cand, ref, count], outputs=outputs,
                     parameters={"idf": case["idf"], "rescale_with_baseline": case["rescale_with_baseline"]})
    result[f"bertscore_{binary}"] = {
        "P": r.as_numpy("PRECISION").reshape(-1).tolist(),
        "R": r.as_numpy("RECALL").reshape(-1).tolist(),
        "F": r.as_numpy("F1").reshape(-1).tolist(),
        "hash": [h.decode() if isinstance(h, bytes) else h for h in r.as_numpy("HASH").reshape(-1)],
    }
try:
    client.infer("nope", [inp])
except Exception as err:
    result["unknown_model_error"] = str(err)
print(json.dumps(result))
`;

interface Golden {
  cases: { name: string; cands: string[]; refs: string[][]; idf: boolean; rescale_with_baseline: boolean; P: number[]; R: number[]; F: number[]; hash: string }[];
}
const golden = <T>(name: string) => JSON.parse(readFileSync(new URL(`goldens/${name}.json`, FIXTURES), "utf8")) as T;

requirePrerequisites(hasVenvPython ? [] : [VENV_PYTHON]);

describe("tritonclient.http against the standalone runtime", () => {
  let server: RuntimeServer;
  beforeAll(async () => {
    server = await startRuntimeServer({ repository: FIXTURE_REPOSITORY, log: () => {} });
  });
  afterAll(async () => server?.close());

  it("reads health, metadata and config, and infers embed and bertscore with binary and JSON tensors", async () => {
    const embed = golden<{ cases: { text: string; embedding: number[] }[] }>("embed");
    const bertscore = golden<Golden>("bertscore");
    const job = {
      texts: embed.cases.map((c) => c.text),
      case: bertscore.cases.find((c) => c.name === "rescale-idf-multi-reference"),
    };
    const result = JSON.parse(
      await runPython(CLIENT, JSON.stringify(job), { RUNTIME_URL: server.url.replace(/^http:\/\//, "") }),
    ) as Record<string, unknown>;
    expect(result.live).toBe(true);
    expect(result.ready).toBe(true);
    expect(result.embed_ready).toBe(true);
    expect((result.metadata as { inputs: { name: string }[] }).inputs.map((i) => i.name)).toEqual(["CANDIDATE", "REFERENCE", "REFERENCE_COUNT"]);
    expect((result.config as { parameters: Record<string, { string_value: string }> }).parameters.task?.string_value).toBe("bertscore");
    for (const binary of ["True", "False"]) {
      const embeddings = result[`embed_${binary}`] as number[][];
      embed.cases.forEach((c, i) => expect(maxAbsDiff(embeddings[i] as number[], c.embedding)).toBeLessThanOrEqual(1e-5));
      const scores = result[`bertscore_${binary}`] as { P: number[]; R: number[]; F: number[]; hash: string[] };
      const c = job.case as Golden["cases"][number];
      expect(maxAbsDiff(scores.P, c.P)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(scores.R, c.R)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(scores.F, c.F)).toBeLessThanOrEqual(1e-5);
      expect(scores.hash).toEqual(c.cands.map(() => c.hash));
    }
    expect(result.unknown_model_error).toMatch(/unknown model: 'nope'/);
  }, 120_000);
});
