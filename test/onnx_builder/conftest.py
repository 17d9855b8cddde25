"""The torch-free builder's suites share the hub-ONNX suites' encoder runner (test/hub/encoder_io.py) and the
Python suites' paths and pb_utils harness (test/python)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "hub"))
sys.path.insert(0, str(HERE.parent / "python"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
