"""Writes a planned model (model_plan.py) into a repository: its encoder, its text model's config.pbtxt, and that
text model's 1/model.py, copied from the repository's own `bertscore` or `embed` model (every text model of a task
runs the same code; the config says which encoder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from transformers import AutoConfig

from gpu_bridge_export.baseline import bert_score_baseline_path
from gpu_bridge_export.encoder_export import ExportOptions, export_encoder
from gpu_bridge_export.model_plan import ModelPlan, text_model_config

BASELINE_LANG = "en"  # the one rescale baseline a bertscore model carries (bert_score's, where it has one)


def text_model_code(template: Path, task: str) -> Path:
    source = Path(template) / task / "1" / "model.py"
    if not source.is_file():
        raise FileNotFoundError(
            f"{source} is missing: export into the committed repository (triton-models/) or pass --template"
        )
    return source


def _baseline(plan: ModelPlan) -> Path | None:
    if plan.task != "bertscore":
        return None
    try:
        path = bert_score_baseline_path(plan.public_name, BASELINE_LANG)
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def export_planned(
    plan: ModelPlan, model_dir: str | Path, repository: str | Path, options: ExportOptions, template: Path
) -> list[Path]:
    """Exports the encoder and writes the text model; returns both folders. Checks first (tokenizer family,
    pooling, model.py to copy), so that an unsupported model fails before the export starts."""
    model_dir, repository = Path(model_dir), Path(repository)
    code = text_model_code(template, plan.task)
    baseline = _baseline(plan)
    hidden_size = AutoConfig.from_pretrained(str(model_dir)).hidden_size
    config = text_model_config(plan, model_dir, hidden_size, BASELINE_LANG if baseline else "")
    encoder = export_encoder(plan.spec, model_dir, repository, options, baseline=baseline, source=plan.hub_repo)
    text_model = repository / plan.text_model
    (text_model / "1").mkdir(parents=True, exist_ok=True)
    if code.resolve() != (text_model / "1" / "model.py").resolve():
        shutil.copyfile(code, text_model / "1" / "model.py")
    (text_model / "config.pbtxt").write_text(config.render())
    return [encoder, text_model]
