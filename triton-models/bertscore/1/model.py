"""BERTScore (bert_score 0.3.13, batch_size=1 semantics) over an encoder called by BLS.

One model.py serves every `bertscore*` model; its config's parameters say which encoder, how many layers
(the encoder is already cut), which tokenizer flavour and whether a rescale baseline exists.
Contract: triton-models/README.md.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import triton_python_backend_utils as pb_utils

sys.path.append(str(Path(__file__).parents[2]))  # the repository root: Triton puts only the model's folders on it
from bert_score_tokenizer import REFERENCE_TRANSFORMERS_VERSION, BertScoreTokenizer

# bert_score 0.3.13 reports itself as 0.3.12 (its __version__), and that string is what its hash carries.
BERT_SCORE_VERSION = "0.3.12"
ENCODER_MAX_BATCH = 64
MAX_TOKENS_PER_ENCODER_CALL = 64 * 512
MAX_SIMILARITY_CELLS = 1 << 24


class RequestError(Exception):
    """A client mistake; its message goes on that request's response."""


def _decode(value: object, input_name: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(f"invalid UTF-8 in {input_name}: {error}") from None


def _flag(parameters: dict, key: str) -> bool:
    value = parameters.get(key, False)
    if isinstance(value, str):
        if value.strip().lower() in ("true", "1", "yes"):
            return True
        if value.strip().lower() in ("false", "0", "no", ""):
            return False
        raise RequestError(f"parameter {key} must be a boolean, got {value!r}")
    return bool(value)


def _read_baseline(path: Path, num_layers: int) -> torch.Tensor:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    # bert_score: pd.read_csv(path).iloc[num_layers] -> data row num_layers, columns P, R, F.
    return torch.tensor([float(x) for x in rows[1 + num_layers][1:4]], dtype=torch.float32)


class _Pair:
    __slots__ = ("candidate", "reference")

    def __init__(self, candidate: int, reference: int):
        self.candidate = candidate
        self.reference = reference


class _Work:
    """One request's parsed inputs."""

    def __init__(
        self, candidates: list[int], references: list[list[int]], idf: bool, rescale: bool, use_fast: bool
    ):
        self.candidates = candidates  # text index per row
        self.references = references  # text indices per row
        self.idf = idf
        self.rescale = rescale
        self.use_fast = use_fast


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        parameters = {k: v.get("string_value", "") for k, v in config.get("parameters", {}).items()}
        self.model_name = parameters["model_name"]
        self.encoder_model = parameters["encoder_model"]
        self.max_length = int(parameters["max_length"])
        self.num_layers = int(parameters["num_layers"])
        self.baseline_lang = parameters.get("baseline_lang", "")

        encoder_dir = Path(args["model_repository"]).parent / self.encoder_model / "1"
        # bert_score's slow tokenizer by default, its fast one for use_fast_tokenizer
        self.tokenizers = {
            use_fast: BertScoreTokenizer(encoder_dir, parameters["tokenizer_type"], self.max_length, use_fast)
            for use_fast in (False, True)
        }
        self.special_ids = self.tokenizers[False].special_ids
        self.pad_id = self.tokenizers[False].pad_id

        baseline_path = encoder_dir / "baseline.tsv"
        self.baseline = (
            _read_baseline(baseline_path, self.num_layers) if self.baseline_lang and baseline_path.is_file() else None
        )
        self.hash_prefix = f"{self.model_name}_L{self.num_layers}"
        self.hash_suffix = f"_version={BERT_SCORE_VERSION}(hug_trans={REFERENCE_TRANSFORMERS_VERSION})"
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    # ---- parsing ----------------------------------------------------------------------------------------------

    def _parse(self, request, texts: dict[tuple[str, bool], int]) -> _Work:
        def text_index(text: str) -> int:
            return texts.setdefault((text.strip(), use_fast), len(texts))

        candidate_tensor = pb_utils.get_input_tensor_by_name(request, "CANDIDATE")
        if candidate_tensor is None:
            raise RequestError("missing input CANDIDATE")
        reference_tensor = pb_utils.get_input_tensor_by_name(request, "REFERENCE")
        if reference_tensor is None:
            raise RequestError("missing input REFERENCE")
        candidates = candidate_tensor.as_numpy().reshape(-1)
        if len(candidates) == 0:
            raise RequestError("empty batch")
        references = reference_tensor.as_numpy()
        if references.ndim != 2:
            references = references.reshape(len(references) if references.ndim else 1, -1)
        if references.shape[0] != len(candidates):
            raise RequestError(f"CANDIDATE has {len(candidates)} rows but REFERENCE has {references.shape[0]}")
        width = references.shape[1]
        count_tensor = pb_utils.get_input_tensor_by_name(request, "REFERENCE_COUNT")
        if count_tensor is None:
            counts = np.full(len(candidates), width, dtype=np.int64)
        else:
            counts = count_tensor.as_numpy().reshape(-1).astype(np.int64)
            if len(counts) != len(candidates):
                raise RequestError(f"REFERENCE_COUNT has {len(counts)} rows but CANDIDATE has {len(candidates)}")
            bad = [int(n) for n in counts if not 1 <= n <= width]
            if bad:
                raise RequestError(f"REFERENCE_COUNT must be within 1..{width}, got {bad[0]}")
        if width == 0:
            raise RequestError("REFERENCE_COUNT must be within 1..width: REFERENCE has no columns")

        parameters = json.loads(request.parameters() or "{}")
        idf = _flag(parameters, "idf")
        rescale = _flag(parameters, "rescale_with_baseline")
        use_fast = _flag(parameters, "use_fast_tokenizer")
        lang = str(parameters.get("lang", "en") or "en")
        if rescale and (self.baseline is None or lang.lower() != self.baseline_lang.lower()):
            raise RequestError(f"no rescale baseline for {self.model_name} lang {lang}")

        candidate_texts = [_decode(c, "CANDIDATE") for c in candidates]
        reference_texts = [[_decode(references[i, j], "REFERENCE") for j in range(counts[i])] for i in range(len(counts))]
        return _Work(
            [text_index(c) for c in candidate_texts],
            [[text_index(r) for r in row] for row in reference_texts],
            idf,
            rescale,
            use_fast,
        )

    # ---- tokens and embeddings --------------------------------------------------------------------------------

    def _tokenize(self, texts: list[tuple[str, bool]]) -> list[list[int]]:
        return [self.tokenizers[use_fast].encode(text) for text, use_fast in texts]

    def _encoder_call(self, chunk: list[list[int]]) -> list[torch.Tensor]:
        longest = max(len(ids) for ids in chunk)
        input_ids = np.full((len(chunk), longest), self.pad_id, dtype=np.int64)
        attention_mask = np.zeros((len(chunk), longest), dtype=np.int64)
        for row, ids in enumerate(chunk):
            input_ids[row, : len(ids)] = ids
            attention_mask[row, : len(ids)] = 1
        response = pb_utils.InferenceRequest(
            model_name=self.encoder_model,
            requested_output_names=["token_embeddings"],
            inputs=[pb_utils.Tensor("input_ids", input_ids), pb_utils.Tensor("attention_mask", attention_mask)],
        ).exec()
        if response.has_error():
            raise RuntimeError(f"encoder {self.encoder_model} failed: {response.error().message()}")
        output = pb_utils.get_output_tensor_by_name(response, "token_embeddings")
        hidden = torch.from_dlpack(output.to_dlpack()).to(self.device, torch.float32)
        return [hidden[row, : len(ids)] for row, ids in enumerate(chunk)]

    def _embed(self, token_ids: list[list[int]]) -> list[torch.Tensor]:
        """L2-normalised token embeddings per text, encoded in length-sorted sub-batches."""
        order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
        embeddings: list[torch.Tensor | None] = [None] * len(token_ids)
        start = 0
        while start < len(order):
            end = start + 1
            while (
                end < len(order)
                and end - start < ENCODER_MAX_BATCH
                and (end - start + 1) * len(token_ids[order[end]]) <= MAX_TOKENS_PER_ENCODER_CALL
            ):
                end += 1
            chunk = order[start:end]
            for index, hidden in zip(chunk, self._encoder_call([token_ids[i] for i in chunk])):
                embeddings[index] = hidden / hidden.norm(dim=-1, keepdim=True)
            start = end
        return embeddings  # type: ignore[return-value]

    # ---- scoring ----------------------------------------------------------------------------------------------

    def _weights(self, work: _Work, token_ids: list[list[int]]) -> dict[int, torch.Tensor]:
        used = set(work.candidates) | {r for row in work.references for r in row}
        if work.idf:
            references = [r for row in work.references for r in row]
            total = len(references)
            document_frequency = Counter(t for r in references for t in set(token_ids[r]))
            unseen = math.log(total + 1)

            def weight(token: int) -> float:
                seen = document_frequency.get(token)
                return unseen if seen is None else math.log((total + 1) / (seen + 1))
        else:

            def weight(token: int) -> float:
                return 0.0 if token in self.special_ids else 1.0

        return {
            i: torch.tensor([weight(t) for t in token_ids[i]], dtype=torch.float32, device=self.device) for i in used
        }

    def _greedy(
        self,
        pairs: list[tuple[int, int, dict[int, torch.Tensor]]],
        embeddings: list[torch.Tensor],
    ) -> torch.Tensor:
        """P, R, F per (candidate, reference, weights) pair, as bert_score's greedy_cos_idf with batch_size=1."""
        results = torch.empty((len(pairs), 3), dtype=torch.float32, device=self.device)
        order = sorted(range(len(pairs)), key=lambda k: len(embeddings[pairs[k][0]]) * len(embeddings[pairs[k][1]]))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order):
                c, r, _ = pairs[order[end]]
                if (end - start + 1) * len(embeddings[c]) * len(embeddings[r]) > MAX_SIMILARITY_CELLS:
                    break
                end += 1
            chunk = [pairs[k] for k in order[start:end]]
            results[order[start:end]] = self._greedy_chunk(chunk, embeddings)
            start = end
        return results

    def _greedy_chunk(self, chunk, embeddings: list[torch.Tensor]) -> torch.Tensor:
        pad = torch.nn.utils.rnn.pad_sequence
        cand = pad([embeddings[c] for c, _, _ in chunk], batch_first=True)
        ref = pad([embeddings[r] for _, r, _ in chunk], batch_first=True)
        cand_w = pad([w[c] for c, _, w in chunk], batch_first=True)
        ref_w = pad([w[r] for _, r, w in chunk], batch_first=True)
        cand_len = torch.tensor([len(embeddings[c]) for c, _, _ in chunk], device=self.device)
        ref_len = torch.tensor([len(embeddings[r]) for _, r, _ in chunk], device=self.device)
        cand_mask = torch.arange(cand.shape[1], device=self.device)[None, :] < cand_len[:, None]
        ref_mask = torch.arange(ref.shape[1], device=self.device)[None, :] < ref_len[:, None]

        sim = torch.bmm(cand, ref.transpose(1, 2))
        sim = sim.masked_fill(~(cand_mask[:, :, None] & ref_mask[:, None, :]), float("-inf"))
        word_precision = sim.max(dim=2).values.masked_fill(~cand_mask, 0.0)
        word_recall = sim.max(dim=1).values.masked_fill(~ref_mask, 0.0)
        precision = (word_precision * (cand_w / cand_w.sum(dim=1, keepdim=True))).sum(dim=1)
        recall = (word_recall * (ref_w / ref_w.sum(dim=1, keepdim=True))).sum(dim=1)
        f1 = 2 * precision * recall / (precision + recall)
        no_content = (cand_len == 2) | (ref_len == 2)
        precision = precision.masked_fill(no_content, 0.0)
        recall = recall.masked_fill(no_content, 0.0)
        f1 = f1.masked_fill(torch.isnan(f1), 0.0)
        return torch.stack((precision, recall, f1), dim=1)

    def _hash(self, work: _Work) -> str:
        suffix = ("-rescaled" if work.rescale else "") + ("_fast-tokenizer" if work.use_fast else "")
        return f"{self.hash_prefix}{'_idf' if work.idf else '_no-idf'}{self.hash_suffix}{suffix}"

    # ---- Triton entry points ------------------------------------------------------------------------------------

    def execute(self, requests):
        texts: dict[tuple[str, bool], int] = {}
        works: list[_Work | None] = []
        errors: list[str | None] = []
        for request in requests:
            try:
                works.append(self._parse(request, texts))
                errors.append(None)
            except RequestError as error:
                works.append(None)
                errors.append(str(error))
            except (ValueError, TypeError, KeyError) as error:  # malformed tensors: still this request's error
                works.append(None)
                errors.append(f"bad request: {error}")

        responses = []
        if any(w is not None for w in works):
            try:
                scores = self._score_all([w for w in works if w is not None], list(texts))
            except Exception as error:  # noqa: BLE001 -- an encoder failure fails the batch, never the server
                return [pb_utils.InferenceResponse(error=pb_utils.TritonError(str(error))) for _ in requests]
        else:
            scores = []
        scored = iter(scores)
        for work, error in zip(works, errors):
            if work is None:
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(error)))
                continue
            values = next(scored).cpu().numpy().astype(np.float32)
            outputs = [
                pb_utils.Tensor("PRECISION", values[:, 0:1].copy()),
                pb_utils.Tensor("RECALL", values[:, 1:2].copy()),
                pb_utils.Tensor("F1", values[:, 2:3].copy()),
                pb_utils.Tensor("HASH", np.array([[self._hash(work).encode()]] * len(values), dtype=np.object_)),
            ]
            responses.append(pb_utils.InferenceResponse(output_tensors=outputs))
        return responses

    def _score_all(self, works: list[_Work], texts: list[tuple[str, bool]]) -> list[torch.Tensor]:
        token_ids = self._tokenize(texts)
        embeddings = self._embed(token_ids)
        pairs: list[tuple[int, int, dict[int, torch.Tensor]]] = []
        spans = []
        for work in works:
            weights = self._weights(work, token_ids)
            rows = []
            for candidate, references in zip(work.candidates, work.references):
                rows.append((len(pairs), len(pairs) + len(references)))
                pairs += [(candidate, reference, weights) for reference in references]
            spans.append(rows)
        per_pair = self._greedy(pairs, embeddings)
        results = []
        for work, rows in zip(works, spans):
            # several references: P, R and F each the max over them (torch max keeps NaN, as bert_score's)
            best = torch.stack([per_pair[a:b].max(dim=0).values for a, b in rows])
            if work.rescale:
                baseline = self.baseline.to(best.device)
                best = (best - baseline) / (1 - baseline)
            results.append(best)
        return results

    def finalize(self):
        self.tokenizers = None
