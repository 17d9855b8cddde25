"""The Errors table of triton-models/README.md (its cases: test/contract/cases.json) against the real Triton, over
HTTP and gRPC with tritonclient: each case's status and message."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

CASES = json.loads((Path(__file__).resolve().parents[1] / "contract" / "cases.json").read_text())["cases"]
# triton-models/ as shipped, roberta-large not exported: bertscore cannot load
MODELS = {"embed": "embed", "bertscore": "bertscore-all-MiniLM-L6-v2", "unavailable": "bertscore"}
DTYPES = {"BYTES": np.object_, "INT32": np.int32}


def _array(spec: dict) -> np.ndarray:
    count = int(np.prod(spec["shape"]))
    if "repeat" in spec:
        data = [spec["repeat"].encode()] * count
    else:
        data = [bytes.fromhex(d["hex"]) if isinstance(d, dict) else d.encode() if isinstance(d, str) else d
                for d in spec["data"]]
    return np.array(data, dtype=DTYPES[spec["datatype"]]).reshape(spec["shape"])


def _refusal(module, url: str, case: dict) -> tuple[str, str]:
    client = module.InferenceServerClient(url=url)
    inputs = []
    for spec in case["inputs"]:
        tensor = module.InferInput(spec["name"], spec["shape"], spec["datatype"])
        tensor.set_data_from_numpy(_array(spec))
        inputs.append(tensor)
    outputs = [module.InferRequestedOutput(name) for name in case.get("outputs", [])] or None
    try:
        client.infer(MODELS.get(case["model"], case["model"]), inputs, outputs=outputs,
                     parameters=case.get("parameters"))
    except InferenceServerException as error:
        return str(error.status()), error.message()
    finally:
        client.close()
    return "200", ""


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["when"])
def test_http(real_triton, case):
    status, message = _refusal(httpclient, real_triton.http, case)
    assert (status, case["message"] in message) == (str(case["status"]), True), message


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["when"])
def test_grpc(real_triton, case):
    status, message = _refusal(grpcclient, real_triton.grpc, case)
    assert (status, case["message"] in message) == (f"StatusCode.{case['grpc']}", True), message
