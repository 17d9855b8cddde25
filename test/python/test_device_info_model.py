"""device_info/1/model.py under the harness: every contract output, with this machine's facts."""

import numpy as np
import torch
from paths import model_py
from pb_utils_harness import execute, load_model, read_config, request


def test_reports_every_declared_output(fixture_repository):
    model = load_model(fixture_repository, "device_info", model_py("device_info"))
    (response,) = execute(model, fixture_repository, [request()])
    out = {t.name(): t.as_numpy() for t in response.output_tensors()}
    config = read_config(fixture_repository / "device_info" / "config.pbtxt")
    assert sorted(out) == sorted(o["name"] for o in config["output"])
    for name, value in out.items():
        assert value.shape == (1,), name
    assert out["VRAM_TOTAL_MB"].dtype == np.int64
    assert out["TORCH_VERSION"][0].decode() == torch.__version__
    assert out["RUNTIME"][0].decode() == "triton python_backend"
    if torch.cuda.is_available():
        assert out["DEVICE"][0].decode() == "cuda" and out["VRAM_TOTAL_MB"][0] > 0
    else:
        assert out["DEVICE"][0].decode() == "cpu"
        assert out["VRAM_TOTAL_MB"][0] == -1 and out["VRAM_USED_MB"][0] == -1
        assert out["CUDA_VERSION"][0].decode() == ""
        assert out["DEVICE_NAME"][0].decode()
