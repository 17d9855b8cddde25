"""The interpreters of the hub-ONNX route (scripts/setup-hub-onnx.sh)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPTIMUM_PYTHON = ROOT / ".cache" / "optimum" / "bin" / "python"
SURGERY_PYTHON = ROOT / ".cache" / "onnx-surgery" / "bin" / "python"
