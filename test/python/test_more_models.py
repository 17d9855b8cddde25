"""`gpu-bridge-export export` for models beyond the catalogue, by their Hugging Face ids, offline: seeded tiny
encoders of the same architecture and tokenizer family stand in for microsoft/deberta-xlarge-mnli (DeBERTa v1,
GPT-2 BPE with [CLS]/[SEP], cut at bert_score's layer 40), bert-base-multilingual-cased (cased WordPiece, layer 9)
and paraphrase-multilingual-MiniLM-L12-v2 (BertModel with an XLM-R sentencepiece tokenizer, embeddings). The export
writes the encoder and the text model; the committed model.py under the pb_utils harness is checked against
bert_score run unpatched in the reference environment and against sentence-transformers' encode."""

import shutil
import sys

import numpy as np
import pytest
from gpu_bridge_export.bert_score_tables import bert_score_tables
from gpu_bridge_export.encoder_export import ExportOptions
from gpu_bridge_export.model_plan import plan_model
from gpu_bridge_export.planned_export import export_planned
from gpu_bridge_export.repository_template import root_files
from paths import ASSETS, TRITON_MODELS
from pb_utils_harness import (
    bytes_column,
    bytes_rows,
    execute,
    load_model,
    read_config,
    request,
)
from prerequisites import reference_missing, require_module

sys.path.append(str(TRITON_MODELS))
from bert_score_tokenizer import BertScoreTokenizer

DEBERTA, MBERT, MMINILM = (
    "microsoft/deberta-xlarge-mnli",
    "bert-base-multilingual-cased",
    "paraphrase-multilingual-MiniLM-L12-v2",
)
CANDIDATES = [
    "The cat sat on the mat.",
    "Der Hund spielt im Garten, nicht im Haus!",
    "Paris is the capital of France; Berlin of Germany.",
    "  leading and trailing spaces  ",
    "敏捷的棕色狐狸",
    "",
    "[MASK] a masked word and UPPER case",
]
REFERENCES = [
    ["A cat was sitting on the mat.", "The cat is on the mat"],
    ["Der Hund spielt draußen."],
    ["Berlin is the capital of Germany."],
    ["spaces"],
    ["懒狗"],
    ["empty candidate"],
    ["a word that is masked", "UPPER CASE"],
]


@pytest.fixture(scope="module")
def tables():
    from gpu_bridge_export.reference_env import ReferenceUnavailable

    try:
        return bert_score_tables()
    except ReferenceUnavailable as error:
        reference_missing(error)


@pytest.fixture(scope="module")
def exported(tables, tmp_path_factory):
    """The three models built tiny and exported by export_planned into a repository with the committed root."""
    from gpu_bridge_export.fixtures.tiny_architectures import (
        build_tiny_deberta,
        build_tiny_multilingual_bert,
        build_tiny_multilingual_minilm,
    )

    hf = tmp_path_factory.mktemp("hf")
    repository = tmp_path_factory.mktemp("repository")
    for source in root_files(TRITON_MODELS):
        shutil.copyfile(source, repository / source.name)
    plans = {name: plan_model(name, tables) for name in (DEBERTA, MBERT, MMINILM)}
    sources = {
        # as many layers as the real model has at least, so that bert_score's cut is the one exported
        DEBERTA: build_tiny_deberta(hf / "deberta", ASSETS, layers=plans[DEBERTA].num_layers + 1),
        MBERT: build_tiny_multilingual_bert(hf / "mbert", ASSETS, layers=plans[MBERT].num_layers + 2),
        MMINILM: build_tiny_multilingual_minilm(hf / "mminilm", layers=3),
    }
    options = ExportOptions(device="cpu", instance_kind="KIND_CPU")
    for name, plan in plans.items():
        export_planned(plan, sources[name], repository, options, template=TRITON_MODELS)
    return repository, plans, sources


TOKENIZER_TEXTS = CANDIDATES + [r for row in REFERENCES for r in row] + ["Ünïcödé çàsé and ÄÖÜ", " x" * 600, "a\tb\nc"]
FLAGS = [(idf, use_fast) for idf in (False, True) for use_fast in (False, True)]


@pytest.fixture(scope="module")
def reference(exported):
    """bert_score's answers for every test here, from one run of the reference environment."""
    from gpu_bridge_export.reference_env import run_reference

    _, plans, sources = exported
    keys, jobs = [], []
    for name in (DEBERTA, MBERT):
        for use_fast in (False, True):
            keys.append(("encode", name, use_fast))
            jobs.append({"encode": {"tokenizer": str(sources[name]), "use_fast": use_fast, "texts": TOKENIZER_TEXTS}})
        for idf, use_fast in FLAGS:
            keys.append(("score", name, idf, use_fast))
            jobs.append({"score": {
                "model_type": str(sources[name]), "num_layers": plans[name].num_layers, "cands": CANDIDATES,
                "refs": REFERENCES, "idf": idf, "use_fast": use_fast, "hash_model_name": plans[name].public_name,
            }})  # fmt: skip
    return dict(zip(keys, run_reference(jobs)))


def test_plans_follow_bert_score_tables(tables):
    deberta, mbert, minilm = (plan_model(name, tables) for name in (DEBERTA, MBERT, MMINILM))
    assert (deberta.task, deberta.num_layers, deberta.hub_repo) == ("bertscore", tables.model2layers[DEBERTA], DEBERTA)
    assert deberta.num_layers == 40 and mbert.num_layers == 9  # bert_score 0.3.13's model2layers
    assert (deberta.encoder, deberta.text_model) == ("deberta-xlarge-mnli", "bertscore-deberta-xlarge-mnli")
    assert plan_model("deberta-xlarge-mnli", tables) == deberta  # the short name of a model2layers key
    assert (mbert.task, mbert.public_name) == ("bertscore", MBERT)
    assert tables.model_for_lang("de") == MBERT and tables.model_for_lang("en") == "roberta-large"
    assert (minilm.task, minilm.hub_repo, minilm.num_layers) == ("embed", f"sentence-transformers/{MMINILM}", None)
    assert plan_model(f"sentence-transformers/{MMINILM}", tables) == minilm


@pytest.mark.parametrize(
    ("name", "tokenizer_type", "model_name"),
    [(DEBERTA, "deberta", DEBERTA), (MBERT, "bert", MBERT), (MMINILM, None, MMINILM)],
)
def test_text_model_config_parameters(exported, name, tokenizer_type, model_name):
    repository, plans, _ = exported
    plan = plans[name]
    config = read_config(repository / plan.text_model / "config.pbtxt")
    parameters = {k: v["string_value"] for k, v in config["parameters"].items()}
    assert parameters["task"] == plan.task
    assert parameters["model_name"] == model_name
    assert parameters["hub_id"] == plan.hub_repo
    assert parameters["encoder_model"] == plan.encoder
    assert (repository / plan.encoder / "1" / "model.onnx").is_file()
    assert (repository / plan.text_model / "1" / "model.py").read_bytes() == (
        TRITON_MODELS / plan.task / "1" / "model.py"
    ).read_bytes()
    if tokenizer_type:
        assert parameters["tokenizer_type"] == tokenizer_type
        assert parameters["num_layers"] == str(plan.num_layers)
    else:
        assert parameters["max_length"] == "128"  # sentence_bert_config.json's max_seq_length


@pytest.mark.parametrize("use_fast", [False, True], ids=["slow", "fast"])
@pytest.mark.parametrize("name", [DEBERTA, MBERT])
def test_tokenizer_matches_bert_score_sent_encode(exported, reference, name, use_fast):
    repository, plans, _ = exported
    plan = plans[name]
    parameters = {k: v["string_value"] for k, v in read_config(repository / plan.text_model / "config.pbtxt")["parameters"].items()}
    ours = BertScoreTokenizer(repository / plan.encoder / "1", parameters["tokenizer_type"], int(parameters["max_length"]), use_fast)
    expected = reference[("encode", name, use_fast)]
    assert [ours.encode(text) for text in TOKENIZER_TEXTS] == expected["ids"]


@pytest.mark.parametrize("use_fast", [False, True], ids=["slow", "fast"])
@pytest.mark.parametrize("idf", [False, True], ids=["no-idf", "idf"])
@pytest.mark.parametrize("name", [DEBERTA, MBERT])
def test_bertscore_matches_bert_score(exported, reference, name, idf, use_fast):
    repository, plans, _ = exported
    plan = plans[name]
    model = load_model(repository, plan.text_model)
    refs, counts = bytes_rows(REFERENCES)
    (response,) = execute(
        model,
        repository,
        [request({"idf": idf, "use_fast_tokenizer": use_fast}, CANDIDATE=bytes_column(CANDIDATES), REFERENCE=refs,
                 REFERENCE_COUNT=counts)],
    )
    assert not response.has_error(), response.error() and response.error().message()
    out = {t.name(): t.as_numpy() for t in response.output_tensors()}
    expected = reference[("score", name, idf, use_fast)]
    for output, key in (("PRECISION", "P"), ("RECALL", "R"), ("F1", "F")):
        got = out[output][:, 0]
        want = np.array([np.nan if v is None else v for v in expected[key]], dtype=np.float64)
        print(f"{name} {output} max |diff| {np.nanmax(np.abs(got - want)):.2e}")
        np.testing.assert_allclose(got, want, atol=1e-5, err_msg=f"{name} {output}")
    assert {h.decode() for h in out["HASH"][:, 0]} == {expected["hash"]}
    assert expected["hash"].startswith(f"{plan.public_name}_L{plan.num_layers}_")


def test_embed_matches_sentence_transformers(exported):
    sentence_transformers = require_module("sentence_transformers")
    repository, plans, sources = exported
    plan = plans[MMINILM]
    texts = CANDIDATES[:5] + ["Быстрая коричневая лиса", "素早い茶色の狐", "word " * 300]
    model = load_model(repository, plan.text_model)
    (response,) = execute(model, repository, [request(TEXT=bytes_column(texts))])
    assert not response.has_error(), response.error() and response.error().message()
    got = response.output_tensors()[0].as_numpy()
    reference = sentence_transformers.SentenceTransformer(str(sources[MMINILM]), device="cpu")
    assert reference.max_seq_length == 128
    expected = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    cosine = (got * expected).sum(axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(expected, axis=1)
    print(f"{MMINILM} min cosine {cosine.min():.7f}, max |diff| {np.abs(got - expected).max():.2e}")
    assert cosine.min() >= 0.99999, dict(zip(texts, cosine))
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_cli_exports_a_hub_id_into_the_repository_and_skips_it_when_current(exported, tables, tmp_path, monkeypatch,
                                                                             capsys):
    """`gpu-bridge-export export --model bert-base-multilingual-cased`: the download is the one thing replaced (the
    hub is not reachable here); the plan, the export and the text model are the CLI's own."""
    from gpu_bridge_export import bert_score_tables as tables_module
    from gpu_bridge_export import hub
    from gpu_bridge_export.cli import main

    _, _, sources = exported
    downloads = []
    monkeypatch.setattr(hub, "download_model", lambda repo, **_: downloads.append(repo) or sources[MBERT])
    monkeypatch.setattr(tables_module, "bert_score_tables", lambda: tables)
    argv = ["export", "--model", MBERT, "--out", str(tmp_path), "--template", str(TRITON_MODELS), "--device", "cpu"]
    assert main(argv) == 0
    config = read_config(tmp_path / f"bertscore-{MBERT}" / "config.pbtxt")
    assert config["parameters"]["num_layers"]["string_value"] == str(tables.model2layers[MBERT])
    assert (tmp_path / MBERT / "1" / "model.onnx").is_file() and downloads == [MBERT]
    assert main(argv) == 0
    assert downloads == [MBERT]
    assert "up to date" in capsys.readouterr().out
