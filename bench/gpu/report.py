"""rehearsal.md: the rehearsal's JSON as short markdown tables (checks, throughput per batch size, the original
method against model.py)."""

from __future__ import annotations


def _not_run(entry: dict) -> str | None:
    if "skipped" in entry:
        return f"skipped ({entry['skipped']})"
    if "error" in entry:
        return f"ERROR ({entry['error']})"
    return None


def _check(entry: dict) -> str:
    if _not_run(entry):
        return _not_run(entry)
    verdict = "ok" if entry["passed"] else "FAILED"
    low, high = entry["value_range"]
    return (
        f"{verdict}: max abs diff {entry['max_abs_diff']:.2e} (tolerance {entry['tolerance']:g}; "
        f"{entry['values']} values in [{low:.3g}, {high:.3g}])"
    )


def _rate(entry: dict) -> str:
    peak = entry["peak_gpu_mib"]
    return f"{entry['items_per_s']:,.0f}" + ("" if peak is None else f" ({peak:,.0f})")


def markdown(result: dict) -> str:
    lines = [
        f"# GPU rehearsal on {result['device']}",
        "",
        f"`{result['command']}`: {result['wall_s']} s; Python {result['python']}; "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
        f"Weights: {result['weights']}. Mean tokens per text: "
        + ", ".join(f"{k} {v:.1f}" for k, v in result["mean_tokens_per_text"].items()),
        "",
        "| check | embed | bertscore |",
        "|---|---|---|",
    ]
    for key, label in (
        ("reference_parity", "model.py (CPU) vs sentence-transformers / bert_score.score"),
        ("device_equality", "model.py on the device (CUDA) vs the CPU, FP32"),
        ("fp16_difference", "FP16 vs FP32 encoders (informative)"),
    ):
        entry = result[key]
        cells = [_check(entry)] * 2 if _not_run(entry) else [_check(entry["embed"]), _check(entry["bertscore"])]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    throughput = result["throughput"]
    lines += ["", "## Throughput through model.py (items/s, peak GPU MiB)", ""]
    if _not_run(throughput):
        lines.append(_not_run(throughput))
    else:
        lines += ["| model | batch | FP32 | FP16 |", "|---|---|---|---|"]
        for name, by_dtype in throughput.items():
            for fp32, fp16 in zip(by_dtype["fp32"], by_dtype["fp16"]):
                lines.append(f"| {name} | {fp32['batch']} | {_rate(fp32)} | {_rate(fp16)} |")
    versus = result["versus_original"]
    lines += ["", "## Original method (2 requests at a time) vs model.py fed as the batcher would (FP32)", ""]
    if _not_run(versus):
        lines.append(_not_run(versus))
    else:
        lines += ["| workload | model | original items/s | model.py items/s | ratio |", "|---|---|---|---|---|"]
        for workload, row in versus.items():
            for name, entry in row.items():
                lines.append(
                    f"| {workload} | {name} | {entry['original']['items_per_s']:,.1f} "
                    f"| {entry['model_py']['items_per_s']:,.1f} | {entry['ratio']:.1f}× |"
                )
    goals = result["goals"]
    goal_line = (
        f"Goals (issue 24, reported, not asserted): ≥ {goals['embed_sentences_per_s']:,} MiniLM sentences/s, "
        f"≥ {goals['bertscore_pairs_per_s']:,} roberta-large-L17 pairs/s, ≥ {goals['ratio_to_original']}× "
        "the original method, on one H100-class card."
    )
    lines += ["", goal_line, ""]
    return "\n".join(lines)
