import { describe, expect, it } from "vitest";
import { summariseEmbeddings } from "./embedding-summary.js";
import { formatBertscore, formatEmbed, formatHealth, formatInfo, formatStatus, MAX_SCORE_ROWS, vectorsText } from "./format.js";

describe("formatBertscore", () => {
  it("prints a P/R/F1 table with four decimals and the mean", () => {
    const text = formatBertscore({
      precision: [0.91234, 0.5],
      recall: [0.8, 0.25],
      f1: [0.85, 0.3333333],
      model: "roberta-large",
      hash: "roberta-large_L17_no-idf_version=0.3.12(hug_trans=4.57.1)",
    });
    expect(text.split("\n")).toEqual([
      "BERTScore (roberta-large) for 2 pairs:",
      "| # | P | R | F1 |",
      "|---|---|---|---|",
      "| 1 | 0.9123 | 0.8000 | 0.8500 |",
      "| 2 | 0.5000 | 0.2500 | 0.3333 |",
      "Mean: P 0.7062, R 0.5250, F1 0.5917",
      "hash: roberta-large_L17_no-idf_version=0.3.12(hug_trans=4.57.1)",
    ]);
  });

  it("prints n/a where the proxy answers null (bert_score's NaN) and leaves it out of the mean", () => {
    const text = formatBertscore({
      precision: [0.9, null],
      recall: [null, null],
      f1: [0, 0],
      model: "tiny-bert",
      hash: "tiny-bert_L3_idf_version=0.3.12(hug_trans=5.23.0)",
    });
    expect(text.split("\n").slice(3, 6)).toEqual([
      "| 1 | 0.9000 | n/a | 0.0000 |",
      "| 2 | n/a | n/a | 0.0000 |",
      "Mean: P 0.9000, R n/a, F1 0.0000",
    ]);
  });

  it("caps the table and points at details for the rest", () => {
    const n = MAX_SCORE_ROWS + 5;
    const values = Array.from({ length: n }, (_, i) => i / n);
    const text = formatBertscore({ precision: values, recall: values, f1: values, model: "m", hash: "h" });
    expect(text.split("\n").filter((line) => /^\| \d+ \|/.test(line))).toHaveLength(MAX_SCORE_ROWS);
    expect(text).toContain("… 5 more rows in details");
  });
});

describe("formatEmbed", () => {
  const vectors = [
    [0.6, 0.8, 0],
    [0.8, 0.6, 0],
    [0, 0, 1],
  ];

  it("prints the norms and the cosine matrix, and no vectors unless asked", () => {
    const text = formatEmbed(summariseEmbeddings(vectors, 3), "all-MiniLM-L6-v2");
    expect(text.split("\n")).toEqual([
      "3 embeddings × 3 dims (all-MiniLM-L6-v2); L2 norm 1.0000",
      "Cosine similarity of texts[i] and texts[j]:",
      "| i/j | 0 | 1 | 2 |",
      "|---|---|---|---|",
      "| 0 | 1.0000 | 0.9600 | 0.0000 |",
      "| 1 | 0.9600 | 1.0000 | 0.0000 |",
      "| 2 | 0.0000 | 0.0000 | 1.0000 |",
      "Vectors not included: call gpu_embed with include_vectors: true to get them.",
    ]);
  });

  it("prints the vectors as float32 when asked", () => {
    const text = formatEmbed(summariseEmbeddings([[Math.fround(0.1), 0.5]], 2), "m", vectorsText([[Math.fround(0.1), 0.5]]));
    expect(text.split("\n").slice(-2)).toEqual(["Vectors (float32), one per text:", "[[0.1,0.5]]"]);
  });

  it("lists the most similar pairs instead of the matrix for many texts", () => {
    const many = Array.from({ length: 12 }, (_, i) => [Math.cos(i / 10), Math.sin(i / 10)]);
    const text = formatEmbed(summariseEmbeddings(many, 2), "m");
    expect(text).not.toContain("Cosine similarity of");
    expect(text).toContain("Most similar pairs (of 66; each text's nearest in details.nearest):");
    expect(text.split("\n").filter((line) => /^\| \d+ \| \d+ \| [0-9.]+ \|$/.test(line))).toHaveLength(10);
  });

  it("says so when there are no texts", () => {
    expect(formatEmbed(summariseEmbeddings([], 0), "m")).toBe("No texts, no embeddings (m)");
  });
});

describe("formatStatus", () => {
  it("shows the queue and each job", () => {
    const text = formatStatus({
      queue: { max_concurrent: 2, in_flight: 1, available_slots: 1, waiting_estimate: 3 },
      active_jobs: [{ id: "r-1", type: "embed", started_at: "2026-11-20T09:14:03.512Z", items: 32, model: "all-MiniLM-L6-v2", progress: 0 }],
    });
    expect(text.split("\n")).toEqual([
      "Queue: 1 of 2 slots in use, 1 free, 3 waiting",
      "- embed of 32 items with all-MiniLM-L6-v2, since 2026-11-20T09:14:03.512Z (0%, id r-1)",
    ]);
    expect(formatStatus({ queue: { max_concurrent: 2, in_flight: 0, available_slots: 2, waiting_estimate: 0 }, active_jobs: [] })).toContain(
      "No jobs running",
    );
  });
});

describe("formatHealth / formatInfo", () => {
  it("says whether the proxy is ready and takes the key", () => {
    const accepted = { state: "accepted" } as const;
    expect(formatHealth({ status: "ok", device: "cuda" }, "http://gpu:8000/gpu", 12, accepted)).toBe(
      "GPU Bridge proxy at http://gpu:8000/gpu is ready (device cuda, answered in 12 ms)",
    );
    expect(formatHealth({ status: "error", device: "cpu" }, "http://gpu:8000", 3, accepted)).toContain("is NOT ready");
    const rejected = { state: "rejected", status: 401, detail: "unauthorized", setting: "plugins.entries.gpu-bridge.config.apiKey" } as const;
    expect(formatHealth({ status: "ok", device: "cpu" }, "http://gpu:8000", 3, rejected)).toBe(
      "GPU Bridge proxy at http://gpu:8000 is ready (device cpu, answered in 3 ms), but it refuses the configured API key " +
        "(401: unauthorized): set plugins.entries.gpu-bridge.config.apiKey to the proxy's API_KEY",
    );
  });

  it("shows the GPU name, VRAM and models", () => {
    const text = formatInfo({
      device: "cuda",
      device_name: "NVIDIA H100 80GB HBM3",
      vram_total_mb: 81559,
      vram_used_mb: 2311,
      pytorch_version: "2.15.0",
      cuda_version: "12.8",
      loaded_models: ["bertscore:roberta-large", "embed:all-MiniLM-L6-v2"],
      server: { name: "triton", version: "2.60.0" },
      notes: ["MODEL_BERTSCORE=deberta is not served; roberta-large is used"],
    });
    expect(text.split("\n")).toEqual([
      "NVIDIA H100 80GB HBM3 (cuda), VRAM 2311 / 81559 MB used",
      "CUDA 12.8, PyTorch 2.15.0, server triton 2.60.0",
      "Models: bertscore:roberta-large, embed:all-MiniLM-L6-v2",
      "Note: MODEL_BERTSCORE=deberta is not served; roberta-large is used",
    ]);
  });

  it("handles a CPU-only box", () => {
    const text = formatInfo({ device: "cpu", device_name: "AMD EPYC", vram_total_mb: null, vram_used_mb: null, loaded_models: [] });
    expect(text).toBe("AMD EPYC (cpu), no GPU memory (CPU)\nModels: none loaded");
  });
});
