"""Reference values published by the upstream projects (not computed by this project)."""

# all-MiniLM-L6-v2 model card: similarity of the first sentence to the others, and of the second to the third.
SIMILARITY_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
PUBLISHED_SIMILARITIES = {(0, 1): 0.6660, (0, 2): 0.1046, (1, 2): 0.1411}
SIMILARITY_TOLERANCE = 5e-4

# bert_score's own tests (tests/test_score_function.py), roberta-large L17, no idf.
BERT_SCORE_CANDS = [
    "28-year-old chef found dead in San Francisco mall",
    (
        "A 28-year-old chef who recently moved to San Francisco was found dead in the staircase of a local shopping "
        "center."
    ),
    (
        'The victim\'s brother said he cannot imagine anyone who would want to harm him,"Finally, it went uphill '
        'again at him."'
    ),
]
BERT_SCORE_REFS = [
    "28-Year-Old Chef Found Dead at San Francisco Mall",
    (
        "A 28-year-old chef who had recently moved to San Francisco was found dead in the stairwell of a local mall "
        "this week."
    ),
    (
        "But the victim's brother says he can't think of anyone who would want to hurt him, saying, \"Things were "
        'finally going well for him."'
    ),
]
BERT_SCORE_P = [0.9843302369117737, 0.9832239747047424, 0.9120386242866516]
BERT_SCORE_R = [0.9823839068412781, 0.9732863903045654, 0.920428991317749]
BERT_SCORE_F = [0.9833561182022095, 0.9782299995422363, 0.916214644908905]
BERT_SCORE_RESCALED_P = [0.907000780105591, 0.900435566902161, 0.477955609560013]
BERT_SCORE_RESCALED_F = [0.901383399963379, 0.871010780334473, 0.503565192222595]
BERT_SCORE_TOLERANCE = 1e-4

EMBEDDING_MIN_COSINE = 0.99999
