"""The rehearsal's encoders: seeded random weights in the shipped architectures (all-MiniLM-L6-v2; roberta-large cut
at layer 17), or tiny ones for the CPU smoke run. Saved as Hugging Face folders that sentence-transformers and
bert_score load, served to model.py's BLS calls by the same weights as torch modules on a chosen device (the way
Triton's KIND_GPU encoders answer: FP32 outputs that stay on the device), and laid out with the shipped configs as
the model repository model.py reads."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from gpu_bridge_export.encoder_modules import SentenceEncoder, TokenEncoder
from gpu_bridge_export.random_roberta import ROBERTA_LARGE
from pb_utils_harness import Tensor
from transformers import AutoModel, BertConfig, BertModel, RobertaConfig, RobertaModel

ROOT = Path(__file__).resolve().parents[2]
TRITON_MODELS = ROOT / "triton-models"
FIXTURE_TOKENIZERS = ROOT / "test" / "fixtures" / "hf"
MINILM_NAME, ROBERTA_NAME = "all-MiniLM-L6-v2", "roberta-large"
# the encoder each served model calls, and the tokenizer folder it gets (the fixtures' vocabularies: the real
# ones cannot travel; token ids stay within the full vocabularies)
SERVED = {"embed": MINILM_NAME, "bertscore": ROBERTA_NAME}
TOKENIZERS = {MINILM_NAME: FIXTURE_TOKENIZERS / "tiny-bert", ROBERTA_NAME: FIXTURE_TOKENIZERS / "tiny-roberta"}
MINILM_L6 = {
    "vocab_size": 30522,
    "hidden_size": 384,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
}
TINY = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64}
SEED = 20261207


@dataclass(frozen=True)
class Architecture:
    name: str  # the encoder's model name in the repository
    config_class: type
    model_class: type
    fields: dict

    @property
    def layers(self) -> int:
        return self.fields["num_hidden_layers"]


def architectures(tiny: bool, roberta_layers: int) -> dict[str, Architecture]:
    """The two encoders: full size (roberta-large already cut at `roberta_layers`), or tiny for the smoke run."""
    roberta = {**ROBERTA_LARGE, "num_hidden_layers": roberta_layers}
    minilm = dict(MINILM_L6)
    if tiny:
        roberta, minilm = {**roberta, **TINY}, {**minilm, **TINY}
    return {
        MINILM_NAME: Architecture(MINILM_NAME, BertConfig, BertModel, minilm),
        ROBERTA_NAME: Architecture(ROBERTA_NAME, RobertaConfig, RobertaModel, roberta),
    }


def write_hf_folder(directory: Path, architecture: Architecture, seed: int = SEED) -> Path:
    """A Hugging Face folder: the fixture tokenizer of the encoder's family, seeded random weights."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in TOKENIZERS[architecture.name].iterdir():
        if source.name not in ("config.json", "model.safetensors"):
            shutil.copyfile(source, directory / source.name)
    torch.manual_seed(seed)
    model = architecture.model_class(architecture.config_class(**architecture.fields), add_pooling_layer=False)
    model.eval().save_pretrained(str(directory))
    return directory


def write_repository(directory: Path, served: list[str]) -> Path:
    """The shipped configs of `served` and of their encoders, with the encoders' tokenizer.json in place."""
    for name in served:
        for model in (name, SERVED[name]):
            (directory / model / "1").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(TRITON_MODELS / model / "config.pbtxt", directory / model / "config.pbtxt")
        tokenizer = TOKENIZERS[SERVED[name]] / "tokenizer.json"
        shutil.copyfile(tokenizer, directory / SERVED[name] / "1" / "tokenizer.json")
    return directory


def load_module(hf_folder: Path, sentence_embedding: bool) -> torch.nn.Module:
    """The encoder graph the exporter traces (gpu_bridge_export.encoder_modules), with torch's default attention."""
    model = AutoModel.from_pretrained(str(hf_folder), add_pooling_layer=False).eval()
    return (SentenceEncoder if sentence_embedding else TokenEncoder)(model).eval()


class BlsEncoder:
    """Answers model.py's BLS calls to one encoder with `module` on `device`; outputs FP32 (as the encoders'
    configs declare) and left on the device, handed over by DLPack."""

    def __init__(self, module: torch.nn.Module, device: torch.device):
        self.module = module.to(device)
        self.device = device

    def __call__(self, names: list[str], feeds: dict) -> list[Tensor]:
        input_ids = torch.from_numpy(feeds["input_ids"]).to(self.device)
        attention_mask = torch.from_numpy(feeds["attention_mask"]).to(self.device)
        with torch.no_grad():
            outputs = self.module(input_ids, attention_mask)
        tokens, sentence = outputs if isinstance(outputs, tuple) else (outputs, None)
        values = {"token_embeddings": tokens, "sentence_embedding": sentence}
        return [Tensor.from_dlpack(name, values[name].float().contiguous().__dlpack__()) for name in names]
