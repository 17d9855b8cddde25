"""BERTScore (bert_score 0.3.13, batch_size=1 semantics) over an encoder called by BLS.

The one implementation behind every `bertscore*` model (their model.py import it); a config's parameters say
which encoder, how many layers (the encoder is already cut), which tokenizer flavour and whether a rescale
baseline exists. Texts are tokenized as bert_score does (bert_score_tokenizer.py): its slow tokenizer by default,
the fast one for `use_fast_tokenizer`. The versions the hash names come from bert_score_reference.json. A plain
file at the repository root, beside text_model_common.py and bert_score_tokenizer.py. Contract:
triton-models/README.md.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import triton_python_backend_utils as pb_utils
from bert_score_tokenizer import ReferenceFileError, load_reference
from text_model_common import (
    BASELINE_FILE,
    RequestError,
    answer_each,
    bool_parameter,
    call_encoder,
    config_parameters,
    decode,
    encoder_folder,
    input_array,
    length_sorted_chunks,
    load_tokenizer,
    request_parameters,
    str_parameter,
)

MAX_TOKENS_PER_ENCODER_CALL = 64 * 512
MAX_SIMILARITY_CELLS = 1 << 24


def _read_baseline(path: Path, num_layers: int) -> torch.Tensor:
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    # bert_score: pd.read_csv(path).iloc[num_layers] -> data row num_layers, columns P, R, F.
    return torch.tensor([float(x) for x in rows[1 + num_layers][1:4]], dtype=torch.float32)


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
        parameters = config_parameters(args)
        self.model_name = parameters["model_name"]
        self.encoder_model = parameters["encoder_model"]
        self.num_layers = int(parameters["num_layers"])
        self.baseline_lang = parameters.get("baseline_lang", "")

        try:
            reference = load_reference()
        except ReferenceFileError as error:
            raise pb_utils.TritonModelException(str(error)) from None

        folder = encoder_folder(args, self.encoder_model)
        max_length, tokenizer_type = int(parameters["max_length"]), parameters["tokenizer_type"]
        # bert_score's default, the slow tokenizer; the fast one for use_fast_tokenizer
        self.tokenizers = {
            use_fast: load_tokenizer(folder, max_length, tokenizer_type, use_fast) for use_fast in (False, True)
        }
        self.special_ids = self.tokenizers[False].special_ids
        self.pad_id = self.tokenizers[False].pad_id
        baseline_path = folder / BASELINE_FILE
        self.baseline = (
            _read_baseline(baseline_path, self.num_layers) if self.baseline_lang and baseline_path.is_file() else None
        )
        self.hash_prefix = f"{self.model_name}_L{self.num_layers}"
        # the bert_score and transformers versions whose numbers these are, as bert_score's hash names them
        self.hash_suffix = f"_version={reference.bert_score_version}(hug_trans={reference.transformers_version})"
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    # ---- parsing ----------------------------------------------------------------------------------------------

    def _parse(self, request, texts: dict[tuple[str, bool], int]) -> _Work:
        def text_index(text: str) -> int:
            return texts.setdefault((text, use_fast), len(texts))

        candidates = input_array(request, "CANDIDATE").reshape(-1)
        references = input_array(request, "REFERENCE")
        if references.ndim != 2:
            references = references.reshape(len(references) if references.ndim else 1, -1)
        width = references.shape[1]
        if width == 0:
            raise RequestError("REFERENCE_COUNT must be within 1..width: REFERENCE has no columns")
        count_tensor = pb_utils.get_input_tensor_by_name(request, "REFERENCE_COUNT")
        if count_tensor is None:
            counts = np.full(len(candidates), width, dtype=np.int64)
        else:
            counts = count_tensor.as_numpy().reshape(-1).astype(np.int64)
            bad = [int(n) for n in counts if not 1 <= n <= width]
            if bad:
                raise RequestError(f"REFERENCE_COUNT must be within 1..{width}, got {bad[0]}")

        parameters = request_parameters(request)
        idf = bool_parameter(parameters, "idf")
        rescale = bool_parameter(parameters, "rescale_with_baseline")
        use_fast = bool_parameter(parameters, "use_fast_tokenizer")
        lang = str_parameter(parameters, "lang", "en") or "en"
        if rescale and (self.baseline is None or lang.lower() != self.baseline_lang.lower()):
            raise RequestError(f"no rescale baseline for {self.model_name} lang {lang}")

        candidate_texts = [decode(c, "CANDIDATE") for c in candidates]
        reference_texts = [[decode(references[i, j], "REFERENCE") for j in range(counts[i])] for i in range(len(counts))]
        return _Work(
            [text_index(c) for c in candidate_texts],
            [[text_index(r) for r in row] for row in reference_texts],
            idf,
            rescale,
            use_fast,
        )

    # ---- embeddings -------------------------------------------------------------------------------------------

    def _embed(self, token_ids: list[list[int]]) -> list[torch.Tensor]:
        """L2-normalised token embeddings per text, encoded in length-sorted sub-batches."""
        embeddings: list[torch.Tensor | None] = [None] * len(token_ids)
        for chunk in length_sorted_chunks([len(ids) for ids in token_ids], MAX_TOKENS_PER_ENCODER_CALL):
            rows = [token_ids[i] for i in chunk]
            hidden = call_encoder(self.encoder_model, "token_embeddings", rows, self.pad_id, self.device)
            for row, index in enumerate(chunk):
                text = hidden[row, : len(rows[row])]
                embeddings[index] = text / text.norm(dim=-1, keepdim=True)
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
            # a chunk pads every pair to its longest candidate and its longest reference, which may be two pairs'
            first_c, first_r, _ = pairs[order[start]]
            longest_c, longest_r = len(embeddings[first_c]), len(embeddings[first_r])
            while end < len(order):
                c, r, _ = pairs[order[end]]
                grown_c, grown_r = max(longest_c, len(embeddings[c])), max(longest_r, len(embeddings[r]))
                if (end - start + 1) * grown_c * grown_r > MAX_SIMILARITY_CELLS:
                    break
                longest_c, longest_r = grown_c, grown_r
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
        return answer_each(
            requests,
            lambda request: self._parse(request, texts),
            lambda works: self._score_all(works, list(texts)),
            self._response,
        )

    def _response(self, work: _Work, scores: torch.Tensor):
        values = scores.cpu().numpy().astype(np.float32)
        outputs = [
            pb_utils.Tensor("PRECISION", values[:, 0:1].copy()),
            pb_utils.Tensor("RECALL", values[:, 1:2].copy()),
            pb_utils.Tensor("F1", values[:, 2:3].copy()),
            pb_utils.Tensor("HASH", np.array([[self._hash(work).encode()]] * len(values), dtype=np.object_)),
        ]
        return pb_utils.InferenceResponse(output_tensors=outputs)

    def _score_all(self, works: list[_Work], texts: list[tuple[str, bool]]) -> list[torch.Tensor]:
        token_ids = [self.tokenizers[use_fast].encode(text) for text, use_fast in texts]
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
