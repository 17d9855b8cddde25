"""Test fixture, never shipped: stands in for an `onnxruntime`-backend encoder in a Triton without that backend
(the CPU tritonserver of the test suites). Same name, inputs, outputs, dims and max_batch_size as the encoder's
config; runs the same model.onnx with onnxruntime (Python) on the CPU."""

import json
from pathlib import Path

import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        self.outputs = [output["name"] for output in config["output"]]
        self.inputs = [tensor["name"] for tensor in config["input"]]
        path = Path(args["model_repository"]) / args["model_version"] / "model.onnx"
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def execute(self, requests):
        responses = []
        for request in requests:
            feeds = {name: pb_utils.get_input_tensor_by_name(request, name).as_numpy() for name in self.inputs}
            names = list(request.requested_output_names()) or self.outputs
            values = self.session.run(names, feeds)
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor(n, v) for n, v in zip(names, values)]))
        return responses
