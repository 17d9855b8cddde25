"""The contract's encoders built from a model's weights (model.safetensors) with the onnx package alone: no torch."""
