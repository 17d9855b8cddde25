"""BERTScore over the encoder this model's config names; the implementation is bertscore_model.py at the
repository root, shared by every bertscore* model. Contract: triton-models/README.md."""

import sys
from pathlib import Path

# Triton puts only this model's folders on sys.path; the code the text models share sits at the repository root.
# No bytecode is written there: Triton would take a __pycache__ folder at the root for a model that fails to load.
sys.dont_write_bytecode = True
sys.path.append(str(Path(__file__).parents[2]))

from bertscore_model import TritonPythonModel

__all__ = ["TritonPythonModel"]
