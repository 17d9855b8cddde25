"""`gpu-bridge-export verify`: a live Triton (HTTP and gRPC) against sentence-transformers and bert_score."""
