"""proxy/src/app/bert-score-lang-models.json is bert_score's own lang2model (`gpu-bridge-export bert-score-langs`)."""

import json

from gpu_bridge_export.bert_score_tables import bert_score_tables, lang_models_json
from paths import ROOT
from prerequisites import reference_missing

COMMITTED = ROOT / "proxy" / "src" / "app" / "bert-score-lang-models.json"


def test_committed_table_is_bert_scores():
    from gpu_bridge_export.reference_env import ReferenceUnavailable

    try:
        tables = bert_score_tables()
    except ReferenceUnavailable as error:
        reference_missing(error)
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == lang_models_json(tables), (
        "regenerate with `gpu-bridge-export bert-score-langs`"
    )
