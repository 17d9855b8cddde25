"""Call the GPU Bridge models on Triton directly with tritonclient, over HTTP or gRPC.

The models' contract is triton-models/README.md: text goes in as BYTES tensors, one row per text. Install the
client with `pip install "tritonclient[http,grpc]" numpy`, then, against the compose stack on the GPU box:

    python examples/triton_client.py info
    python examples/triton_client.py embed "A cat sits on the mat." "A feline rests on a rug."
    python examples/triton_client.py bertscore --candidates '["The cat sat."]' \
        --references '[["A cat was sitting.", "The cat sat down."]]' --idf --rescale
    python examples/triton_client.py --protocol grpc --url localhost:8001 embed "over gRPC"

Every command prints one JSON document. Without --model, `embed` and `bertscore` use the model of that name when it
is served, else another served model of the same task (from the repository index and each model's config), and
say so on stderr. Any failure is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np
from tritonclient.utils import InferenceServerException


def client_module(protocol: str) -> Any:
    if protocol == "grpc":
        import tritonclient.grpc as module
    else:
        import tritonclient.http as module
    return module


def bytes_tensor(module: Any, name: str, rows: list[list[str]]) -> Any:
    """A BYTES input of shape [len(rows), width]; every row must have `width` entries."""
    data = np.array([[text.encode("utf-8") for text in row] for row in rows], dtype=np.object_)
    tensor = module.InferInput(name, list(data.shape), "BYTES")
    tensor.set_data_from_numpy(data)
    return tensor


def requested(module: Any, protocol: str, names: list[str]) -> list[Any]:
    # HTTP can carry outputs as raw binary instead of JSON numbers; gRPC always does
    if protocol == "http":
        return [module.InferRequestedOutput(name, binary_data=True) for name in names]
    return [module.InferRequestedOutput(name) for name in names]


class NotServed(Exception):
    """The model asked for (or any of its task) is not served."""


def served_models(client: Any, protocol: str, task: str) -> list[str]:
    """Ready models whose config says `task` (the contract's discovery parameter), by name."""
    def config(name: str) -> dict:
        if protocol == "grpc":  # protobuf messages unless asked for JSON
            return client.get_model_config(name, as_json=True)["config"]
        return client.get_model_config(name)

    if protocol == "grpc":
        index = client.get_model_repository_index(as_json=True).get("models", [])
    else:
        index = client.get_model_repository_index()
    ready = [entry["name"] for entry in index if entry.get("state") == "READY"]
    return [name for name in ready if config(name).get("parameters", {}).get("task", {}).get("string_value") == task]


def pick_model(client: Any, protocol: str, task: str, named: str | None) -> str:
    served = served_models(client, protocol, task)
    if named is not None and named not in served:
        raise NotServed(f"{task} model {named!r} is not served (served: {', '.join(served) or 'none'})")
    if named is not None:
        return named
    if not served:
        raise NotServed(f"no {task} model is served")
    if task not in served:
        print(f"{task} is not served; using {served[0]}", file=sys.stderr)
    return task if task in served else served[0]


def embed(client: Any, module: Any, protocol: str, model: str, texts: list[str]) -> dict:
    result = client.infer(
        model,
        [bytes_tensor(module, "TEXT", [[text] for text in texts])],
        outputs=requested(module, protocol, ["EMBEDDING"]),
    )
    vectors = result.as_numpy("EMBEDDING")  # [len(texts), 384], each row L2-normalised
    similarity = vectors @ vectors.T
    return {
        "model": model,
        "shape": list(vectors.shape),
        "embeddings": vectors.tolist(),
        "cosine_similarity": similarity.round(6).tolist(),
    }


def bertscore(client: Any, module: Any, protocol: str, model: str, candidates: list[str],
              references: list[list[str]], idf: bool, rescale: bool) -> dict:
    if len(candidates) != len(references) or not all(references):
        raise SystemExit("give every candidate a non-empty list of references")
    # REFERENCE is [n, width]: pad short rows with empty strings and say in REFERENCE_COUNT how many are real
    width = max(len(refs) for refs in references)
    padded = [refs + [""] * (width - len(refs)) for refs in references]
    count = np.array([[len(refs)] for refs in references], dtype=np.int32)
    reference_count = module.InferInput("REFERENCE_COUNT", list(count.shape), "INT32")
    reference_count.set_data_from_numpy(count)
    result = client.infer(
        model,
        [
            bytes_tensor(module, "CANDIDATE", [[c] for c in candidates]),
            bytes_tensor(module, "REFERENCE", padded),
            reference_count,
        ],
        outputs=requested(module, protocol, ["PRECISION", "RECALL", "F1", "HASH"]),
        parameters={"idf": idf, "rescale_with_baseline": rescale},
    )
    column = {name: result.as_numpy(name).reshape(-1) for name in ("PRECISION", "RECALL", "F1")}
    return {
        "model": model,
        "precision": column["PRECISION"].tolist(),
        "recall": column["RECALL"].tolist(),
        "f1": column["F1"].tolist(),
        "hash": result.as_numpy("HASH").reshape(-1)[0].decode("utf-8"),
    }


def info(client: Any, module: Any, protocol: str) -> dict:
    metadata = client.get_server_metadata()
    index = client.get_model_repository_index()
    device = client.infer("device_info", [], outputs=requested(
        module, protocol, ["DEVICE", "DEVICE_NAME", "VRAM_TOTAL_MB", "RUNTIME"]))
    if protocol == "grpc":  # protobuf messages, not dicts
        from google.protobuf.json_format import MessageToDict
        metadata = MessageToDict(metadata, preserving_proto_field_name=True)
        index = MessageToDict(index, preserving_proto_field_name=True).get("models", [])
    scalar = {name: device.as_numpy(name).reshape(-1)[0] for name in ("DEVICE", "DEVICE_NAME", "VRAM_TOTAL_MB", "RUNTIME")}
    return {
        "server": {"name": metadata["name"], "version": metadata["version"]},
        "ready": client.is_server_ready(),
        "models": {entry["name"]: entry.get("state", "") for entry in sorted(index, key=lambda e: e["name"])},
        "device": {k: v.decode("utf-8") if isinstance(v, bytes) else int(v) for k, v in scalar.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=["http", "grpc"], default="http")
    parser.add_argument("--url", help="host:port (default localhost:8000 for http, localhost:8001 for grpc)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="server, models and device")
    embed_cmd = commands.add_parser("embed", help="sentence embeddings")
    embed_cmd.add_argument("--model", default=None, help="default: `embed`, else another served embed model")
    embed_cmd.add_argument("texts", nargs="+")
    score_cmd = commands.add_parser("bertscore", help="BERTScore of candidates against their references")
    score_cmd.add_argument("--model", default=None,
                           help="bertscore (roberta-large) or bertscore-<encoder>; default: `bertscore`, else another")
    score_cmd.add_argument("--candidates", required=True, help='JSON list of strings, e.g. \'["a", "b"]\'')
    score_cmd.add_argument("--references", required=True,
                           help='JSON list of lists: the references of each candidate, e.g. \'[["r1", "r2"], ["r3"]]\'')
    score_cmd.add_argument("--idf", action="store_true")
    score_cmd.add_argument("--rescale", action="store_true", help="rescale_with_baseline (roberta-large, lang en)")
    args = parser.parse_args(argv)

    module = client_module(args.protocol)
    url = args.url or ("localhost:8001" if args.protocol == "grpc" else "localhost:8000")
    client = module.InferenceServerClient(url=url)
    try:
        if args.command == "info":
            out = info(client, module, args.protocol)
        elif args.command == "embed":
            model = pick_model(client, args.protocol, "embed", args.model)
            out = embed(client, module, args.protocol, model, args.texts)
        else:
            model = pick_model(client, args.protocol, "bertscore", args.model)
            out = bertscore(client, module, args.protocol, model, json.loads(args.candidates),
                            json.loads(args.references), args.idf, args.rescale)
    except InferenceServerException as err:
        print(json.dumps({"error": err.message() or str(err)}), file=sys.stderr)
        return 1
    except NotServed as err:
        print(json.dumps({"error": str(err)}), file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 -- the server unreachable, and the like: one line, never a traceback
        print(json.dumps({"error": f"{type(err).__name__}: {err}"}), file=sys.stderr)
        return 1
    finally:
        client.close()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
