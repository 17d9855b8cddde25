import { describe, expect, it } from "vitest";
import { formatBertscore, formatEmbed, formatHealth, formatInfo, MAX_SCORE_ROWS } from "./format.js";

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
  it("summarises and never prints the vectors", () => {
    const text = formatEmbed({ embeddings: [[0.123456, -0.5], [0.25, 0.75]], model: "all-MiniLM-L6-v2", dimensions: 2 });
    expect(text).toBe("2 embeddings × 2 dims (all-MiniLM-L6-v2); vectors in details.embeddings");
    expect(text).not.toContain("0.123456");
  });
});

describe("formatHealth / formatInfo", () => {
  it("says whether the proxy is ready", () => {
    expect(formatHealth({ status: "ok", device: "cuda" }, "http://gpu:8000", 12)).toBe(
      "GPU Bridge proxy at http://gpu:8000 is ready (device cuda, answered in 12 ms)",
    );
    expect(formatHealth({ status: "error", device: "cpu" }, "http://gpu:8000", 3)).toContain("is NOT ready");
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
