"""The exported graphs against the torch modules they come from, and against bert_score's own layer cut."""

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch
from gpu_bridge_export.encoder_export import EncoderSpec, ExportOptions, export_encoder
from gpu_bridge_export.encoder_modules import SentenceEncoder, load_truncated_encoder
from gpu_bridge_export.tokenizer_files import load_model_tokenizer


def _batch(vocab_size, lengths, seed=0):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab_size, (len(lengths), max(lengths)), generator=generator)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        mask[row, :n] = 1
    ids[mask == 0] = 0
    return ids, mask


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_hf):
    repo = tmp_path_factory.mktemp("repo")
    export_encoder(EncoderSpec("bert", None, True), tiny_hf / "tiny-bert", repo, ExportOptions(instance_kind="KIND_CPU"))
    export_encoder(EncoderSpec("roberta", 2, False), tiny_hf / "tiny-roberta", repo, ExportOptions(opset=18))
    return repo


@pytest.mark.parametrize("lengths", [[7], [3, 11, 1], [40, 2, 9, 64]])
def test_sentence_encoder_onnx_matches_torch(exported, tiny_hf, lengths):
    module = SentenceEncoder(load_truncated_encoder(tiny_hf / "tiny-bert")).eval()
    ids, mask = _batch(module.model.config.vocab_size, lengths)
    with torch.no_grad():
        tokens, sentence = module(ids, mask)
    session = ort.InferenceSession(str(exported / "bert" / "1" / "model.onnx"))
    got_tokens, got_sentence = session.run(
        ["token_embeddings", "sentence_embedding"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()}
    )
    real = mask.bool().numpy()
    assert np.abs(got_tokens[real] - tokens.numpy()[real]).max() < 1e-5
    assert np.abs(got_sentence - sentence.numpy()).max() < 1e-6
    np.testing.assert_allclose(np.linalg.norm(got_sentence, axis=1), 1.0, atol=1e-6)


def test_cut_roberta_matches_bert_score_get_model(exported, tiny_hf):
    from bert_score.utils import get_model

    reference = get_model(str(tiny_hf / "tiny-roberta"), num_layers=2)
    ids, mask = _batch(reference.config.vocab_size, [12, 5])
    ids[mask == 0] = 1  # roberta's <pad>
    with torch.no_grad():
        expected = reference(ids, attention_mask=mask)[0].numpy()
    session = ort.InferenceSession(str(exported / "roberta" / "1" / "model.onnx"))
    (got,) = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    assert [o.name for o in session.get_outputs()] == ["token_embeddings"]
    real = mask.bool().numpy()
    assert np.abs(got[real] - expected[real]).max() < 1e-5
    info = json.loads((exported / "roberta" / "1" / "export-info.json").read_text())
    assert info["num_layers"] == 2


def test_written_tokenizer_has_no_truncation_or_padding(exported, tiny_hf):
    written = load_model_tokenizer(exported / "bert" / "1")
    assert written.truncation is None and written.padding is None
    original = load_model_tokenizer(tiny_hf / "tiny-bert")
    text = "the city " * 400
    assert written.encode(text).ids == original.encode(text).ids


def test_configs_written_with_each_model(exported):
    bert = (exported / "bert" / "config.pbtxt").read_text()
    roberta = (exported / "roberta" / "config.pbtxt").read_text()
    assert "KIND_CPU" in bert and "sentence_embedding" in bert and "dims: [ -1, 32 ]" in bert
    assert "KIND_GPU" in roberta and "sentence_embedding" not in roberta


def test_fp16_export_keeps_fp32_outputs_close(tmp_path, tiny_hf):
    export_encoder(EncoderSpec("bert16", None, True), tiny_hf / "tiny-bert", tmp_path, ExportOptions(fp16=True))
    session = ort.InferenceSession(str(tmp_path / "bert16" / "1" / "model.onnx"))
    module = SentenceEncoder(load_truncated_encoder(tiny_hf / "tiny-bert")).eval()
    ids, mask = _batch(module.model.config.vocab_size, [9, 4])
    _, sentence = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    assert sentence.dtype == np.float32
    with torch.no_grad():
        expected = module(ids, mask)[1].numpy()
    assert np.abs(sentence - expected).max() < 2e-2


def test_torchscript_export(tmp_path, tiny_hf):
    options = ExportOptions(torchscript=True)
    export_encoder(EncoderSpec("bertpt", None, True), tiny_hf / "tiny-bert", tmp_path, options)
    assert not (tmp_path / "bertpt" / "1" / "model.onnx").exists()
    assert 'platform: "pytorch_libtorch"' in (tmp_path / "bertpt" / "config.pbtxt").read_text()
    traced = torch.jit.load(str(tmp_path / "bertpt" / "1" / "model.pt"))
    module = SentenceEncoder(load_truncated_encoder(tiny_hf / "tiny-bert")).eval()
    ids, mask = _batch(module.model.config.vocab_size, [6, 13])
    with torch.no_grad():
        np.testing.assert_allclose(traced(ids, mask)[1].numpy(), module(ids, mask)[1].numpy(), atol=1e-5)


def test_num_layers_out_of_range_is_refused(tiny_hf):
    with pytest.raises(ValueError, match="num_layers"):
        load_truncated_encoder(tiny_hf / "tiny-roberta", 4)
