"""The contract's encoders from the ONNX exports the Hugging Face hub publishes, by graph surgery (onnx, no torch)."""
