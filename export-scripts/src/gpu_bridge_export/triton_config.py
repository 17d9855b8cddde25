"""config.pbtxt text for the repository's models (encoders and python-backend text models)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_BATCH_SIZE = 64
# idf weighs tokens over all references of one call: a whole request (GPU_MAX_BATCH_SIZE, 100 by default) must fit
# in one, so the proxy never splits a bertscore request that asks for idf
BERTSCORE_MAX_BATCH_SIZE = 128
ENCODER_QUEUE_DELAY_US = 100
TEXT_MODEL_QUEUE_DELAY_US = 1000


@dataclass(frozen=True)
class TensorSpec:
    name: str
    data_type: str  # Triton TYPE_* without the prefix: INT64, FP32, STRING, INT32
    dims: tuple[int, ...]
    optional: bool = False

    def render(self) -> str:
        dims = ", ".join(str(d) for d in self.dims)
        optional = " optional: true" if self.optional else ""
        return f'  {{ name: "{self.name}" data_type: TYPE_{self.data_type} dims: [ {dims} ]{optional} }}'


@dataclass(frozen=True)
class ModelConfig:
    name: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    backend: str | None = None
    platform: str | None = None
    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    queue_delay_us: int | None = None
    instance_kind: str = "KIND_GPU"
    parameters: dict[str, str] = field(default_factory=dict)
    tensorrt_fp16: bool = False

    def render(self) -> str:
        lines = [f'name: "{self.name}"']
        if self.backend:
            lines.append(f'backend: "{self.backend}"')
        if self.platform:
            lines.append(f'platform: "{self.platform}"')
        lines.append(f"max_batch_size: {self.max_batch_size}")
        if self.inputs:
            lines += ["input [", ",\n".join(t.render() for t in self.inputs), "]"]
        lines += ["output [", ",\n".join(t.render() for t in self.outputs), "]"]
        if self.queue_delay_us is not None and self.max_batch_size > 0:
            lines.append(f"dynamic_batching {{ max_queue_delay_microseconds: {self.queue_delay_us} }}")
        lines.append(f"instance_group [ {{ count: 1 kind: {self.instance_kind} }} ]")
        for key, value in self.parameters.items():
            lines.append(f'parameters {{ key: "{key}" value: {{ string_value: "{value}" }} }}')
        if self.tensorrt_fp16:
            lines += [
                "optimization { execution_accelerators {",
                "  gpu_execution_accelerator: [ {",
                '    name: "tensorrt"',
                '    parameters { key: "precision_mode" value: "FP16" }',
                '    parameters { key: "max_workspace_size_bytes" value: "1073741824" }',
                "  } ]",
                "} }",
            ]
        return "\n".join(lines) + "\n"


def encoder_config(
    name: str,
    hidden_size: int,
    *,
    sentence_embedding: bool,
    instance_kind: str = "KIND_GPU",
    torchscript: bool = False,
    tensorrt_fp16: bool = False,
) -> ModelConfig:
    outputs = [TensorSpec("token_embeddings", "FP32", (-1, hidden_size))]
    if sentence_embedding:
        outputs.append(TensorSpec("sentence_embedding", "FP32", (hidden_size,)))
    return ModelConfig(
        name=name,
        backend=None if torchscript else "onnxruntime",
        platform="pytorch_libtorch" if torchscript else None,
        inputs=(TensorSpec("input_ids", "INT64", (-1,)), TensorSpec("attention_mask", "INT64", (-1,))),
        outputs=tuple(outputs),
        queue_delay_us=ENCODER_QUEUE_DELAY_US,
        instance_kind=instance_kind,
        tensorrt_fp16=tensorrt_fp16 and not torchscript,
    )


def _hub_id(hub_id: str) -> dict[str, str]:
    """The Hugging Face id the model came from; the proxy accepts it (and its short form) as a model name."""
    return {"hub_id": hub_id} if hub_id else {}


def embed_config(
    name: str, *, model_name: str, encoder_model: str, hidden_size: int, max_length: int, hub_id: str = ""
) -> ModelConfig:
    return ModelConfig(
        name=name,
        backend="python",
        inputs=(TensorSpec("TEXT", "STRING", (1,)),),
        outputs=(TensorSpec("EMBEDDING", "FP32", (hidden_size,)),),
        queue_delay_us=TEXT_MODEL_QUEUE_DELAY_US,
        instance_kind="KIND_CPU",
        parameters={
            "task": "embed",
            "model_name": model_name,
            "encoder_model": encoder_model,
            "max_length": str(max_length),
            **_hub_id(hub_id),
        },
    )


def bertscore_config(
    name: str,
    *,
    model_name: str,
    encoder_model: str,
    num_layers: int,
    tokenizer_type: str,
    max_length: int = 512,
    baseline_lang: str = "",
    hub_id: str = "",
) -> ModelConfig:
    return ModelConfig(
        name=name,
        backend="python",
        max_batch_size=BERTSCORE_MAX_BATCH_SIZE,
        inputs=(
            TensorSpec("CANDIDATE", "STRING", (1,)),
            TensorSpec("REFERENCE", "STRING", (-1,)),
            TensorSpec("REFERENCE_COUNT", "INT32", (1,), optional=True),
        ),
        outputs=(
            TensorSpec("PRECISION", "FP32", (1,)),
            TensorSpec("RECALL", "FP32", (1,)),
            TensorSpec("F1", "FP32", (1,)),
            TensorSpec("HASH", "STRING", (1,)),
        ),
        queue_delay_us=TEXT_MODEL_QUEUE_DELAY_US,
        instance_kind="KIND_CPU",
        parameters={
            "task": "bertscore",
            "model_name": model_name,
            "encoder_model": encoder_model,
            "max_length": str(max_length),
            "num_layers": str(num_layers),
            "tokenizer_type": tokenizer_type,
            "baseline_lang": baseline_lang,
            **_hub_id(hub_id),
        },
    )


def device_info_config(name: str = "device_info") -> ModelConfig:
    outputs = [
        TensorSpec("DEVICE", "STRING", (1,)),
        TensorSpec("DEVICE_NAME", "STRING", (1,)),
        TensorSpec("VRAM_TOTAL_MB", "INT64", (1,)),
        TensorSpec("VRAM_USED_MB", "INT64", (1,)),
        TensorSpec("TORCH_VERSION", "STRING", (1,)),
        TensorSpec("CUDA_VERSION", "STRING", (1,)),
        TensorSpec("RUNTIME", "STRING", (1,)),
    ]
    return ModelConfig(
        name=name,
        backend="python",
        inputs=(),
        outputs=tuple(outputs),
        max_batch_size=0,
        instance_kind="KIND_CPU",
        parameters={"task": "device_info"},
    )
