"""Export encoders into a Triton model repository, build test fixtures, verify a live Triton."""
