"""A KServe v2 gRPC endpoint (Triton's own protos from tritonclient, a real grpcio server on loopback) that
forwards every call to a KServe v2 HTTP server. The embedded runtime speaks HTTP only; this lets the gRPC path of
examples/triton_client.py (raw_input_contents, BYTES serialisation, typed InferParameters, protobuf metadata) run
against it. It implements what the examples call, nothing more."""

from __future__ import annotations

import threading
from concurrent import futures

import grpc
import numpy as np
import tritonclient.http as httpclient
from tritonclient.grpc import service_pb2 as pb
from tritonclient.grpc import service_pb2_grpc as pb_grpc
from tritonclient.utils import (
    InferenceServerException,
    deserialize_bytes_tensor,
    serialize_byte_tensor,
    triton_to_np_dtype,
)


def _to_numpy(tensor: pb.ModelInferRequest.InferInputTensor, raw: bytes) -> np.ndarray:
    shape = list(tensor.shape)
    if tensor.datatype == "BYTES":
        return deserialize_bytes_tensor(raw).reshape(shape)
    return np.frombuffer(raw, dtype=triton_to_np_dtype(tensor.datatype)).reshape(shape)


def _to_raw(array: np.ndarray, datatype: str) -> bytes:
    if datatype == "BYTES":
        serialized = serialize_byte_tensor(array)
        return serialized.item() if serialized.size > 0 else b""
    return np.ascontiguousarray(array).tobytes()


class HttpForwarder(pb_grpc.GRPCInferenceServiceServicer):
    def __init__(self, http_url: str) -> None:
        self.http_url = http_url
        self.local = threading.local()

    @property
    def http(self) -> httpclient.InferenceServerClient:
        # tritonclient.http runs on gevent greenlets, which belong to the thread that made them: one client per
        # gRPC worker thread
        if not hasattr(self.local, "client"):
            self.local.client = httpclient.InferenceServerClient(url=self.http_url)
        return self.local.client

    def _abort(self, context: grpc.ServicerContext, err: InferenceServerException) -> None:
        code = grpc.StatusCode.INVALID_ARGUMENT if str(err.status()) == "400" else grpc.StatusCode.INTERNAL
        context.abort(code, err.message())

    def ServerLive(self, request, context):
        return pb.ServerLiveResponse(live=self.http.is_server_live())

    def ServerReady(self, request, context):
        return pb.ServerReadyResponse(ready=self.http.is_server_ready())

    def ServerMetadata(self, request, context):
        meta = self.http.get_server_metadata()
        return pb.ServerMetadataResponse(name=meta["name"], version=meta["version"],
                                         extensions=meta.get("extensions", []))

    def RepositoryIndex(self, request, context):
        models = [pb.RepositoryIndexResponse.ModelIndex(name=m["name"], version=m.get("version", ""),
                                                        state=m.get("state", ""), reason=m.get("reason", ""))
                  for m in self.http.get_model_repository_index()]
        return pb.RepositoryIndexResponse(models=models)

    def ModelInfer(self, request, context):
        inputs = []
        for tensor, raw in zip(request.inputs, request.raw_input_contents, strict=True):
            http_input = httpclient.InferInput(tensor.name, list(tensor.shape), tensor.datatype)
            http_input.set_data_from_numpy(_to_numpy(tensor, raw), binary_data=True)
            inputs.append(http_input)
        parameters = {key: getattr(value, value.WhichOneof("parameter_choice"))
                      for key, value in request.parameters.items()}
        outputs = [httpclient.InferRequestedOutput(o.name, binary_data=True) for o in request.outputs]
        try:
            result = self.http.infer(request.model_name, inputs, outputs=outputs or None,
                                     parameters=parameters or None)
        except InferenceServerException as err:
            self._abort(context, err)
        response = pb.ModelInferResponse(model_name=request.model_name, model_version="1")
        for output in result.get_response()["outputs"]:
            array = result.as_numpy(output["name"])
            response.outputs.append(pb.ModelInferResponse.InferOutputTensor(
                name=output["name"], datatype=output["datatype"], shape=list(array.shape)))
            response.raw_output_contents.append(_to_raw(array, output["datatype"]))
        return response


def start_bridge(http_url: str) -> tuple[grpc.Server, str]:
    """Starts the bridge on a free loopback port; returns the server and its host:port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_GRPCInferenceServiceServicer_to_server(HttpForwarder(http_url), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"
