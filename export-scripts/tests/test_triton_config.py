"""Rendered config.pbtxt text parses as Triton's ModelConfig and says what was asked."""

from google.protobuf import text_format
from gpu_bridge_export.triton_config import bertscore_config, encoder_config
from tritonclient.grpc import model_config_pb2


def _parse(text):
    return text_format.Parse(text, model_config_pb2.ModelConfig())


def test_tensorrt_fp16_block():
    config = _parse(encoder_config("m", 8, sentence_embedding=False, tensorrt_fp16=True).render())
    (accelerator,) = config.optimization.execution_accelerators.gpu_execution_accelerator
    assert accelerator.name == "tensorrt" and accelerator.parameters["precision_mode"] == "FP16"


def test_encoder_config_fields():
    config = _parse(encoder_config("m", 8, sentence_embedding=True, instance_kind="KIND_CPU").render())
    assert config.backend == "onnxruntime" and config.max_batch_size == 64
    assert config.instance_group[0].kind == model_config_pb2.ModelInstanceGroup.KIND_CPU
    assert 0 < config.dynamic_batching.max_queue_delay_microseconds <= 1000
    assert [list(o.dims) for o in config.output] == [[-1, 8], [8]]
    torchscript = _parse(encoder_config("m", 8, sentence_embedding=False, torchscript=True).render())
    assert torchscript.platform == "pytorch_libtorch" and not torchscript.backend


def test_bertscore_reference_count_is_optional():
    config = _parse(
        bertscore_config("b", model_name="x", encoder_model="x", num_layers=1, tokenizer_type="bert").render()
    )
    assert [(i.name, i.optional) for i in config.input] == [
        ("CANDIDATE", False),
        ("REFERENCE", False),
        ("REFERENCE_COUNT", True),
    ]
    assert config.parameters["baseline_lang"].string_value == ""
