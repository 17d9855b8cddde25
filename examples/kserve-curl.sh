#!/usr/bin/env bash
# The GPU Bridge models over Triton's raw KServe v2 HTTP/REST API, with curl only (contract:
# triton-models/README.md). Against the compose stack on the GPU box:
#   bash examples/kserve-curl.sh                       # Triton on localhost:8000
#   TRITON_URL=http://gpu-box:8000 bash examples/kserve-curl.sh
# Each request is printed as "### <what>" followed by the JSON answer.
# Text goes in as BYTES tensors; in JSON a BYTES element is a plain string. Shapes include the batch dimension.
set -euo pipefail

TRITON_URL="${TRITON_URL:-http://localhost:8000}"
EMBED_MODEL="${EMBED_MODEL:-embed}"
BERTSCORE_MODEL="${BERTSCORE_MODEL:-bertscore}"

call() { # call TITLE METHOD PATH [JSON-BODY]
  echo "### $1"
  if [ $# -ge 4 ]; then
    curl -sS -X "$2" "$TRITON_URL$3" -H 'Content-Type: application/json' -d "$4"
  else
    curl -sS -X "$2" "$TRITON_URL$3"
  fi
  echo
}

# Health: 200 with an empty body when live / ready (ready = every model loaded).
echo "### live"; curl -sS -o /dev/null -w '{"status": %{http_code}}\n' "$TRITON_URL/v2/health/live"
echo "### ready"; curl -sS -o /dev/null -w '{"status": %{http_code}}\n' "$TRITON_URL/v2/health/ready"

call "server metadata" GET /v2
call "repository index" POST /v2/repository/index '{}'
# A model's contract: inputs, outputs, and its `parameters` (task, model_name, encoder_model, max_length...)
call "embed config" GET "/v2/models/$EMBED_MODEL/config"
call "embed metadata" GET "/v2/models/$EMBED_MODEL"

# embed: TEXT is BYTES [n, 1], one text per row; EMBEDDING comes back FP32 [n, 384] (L2-normalised rows).
call "embed" POST "/v2/models/$EMBED_MODEL/infer" '{
  "inputs": [
    {"name": "TEXT", "shape": [2, 1], "datatype": "BYTES",
     "data": ["A cat sits on the mat.", "A feline rests on a rug."]}
  ],
  "outputs": [{"name": "EMBEDDING"}]
}'

# bertscore: CANDIDATE [n, 1]; REFERENCE [n, width], row i = the references of candidate i padded with "" to the
# widest row; REFERENCE_COUNT INT32 [n, 1] = how many entries of row i are real. P, R and F1 are each the max over a
# candidate's references. Request parameters: idf, rescale_with_baseline (roberta-large, lang en), lang.
call "bertscore, two candidates, 2 and 1 references, idf" POST "/v2/models/$BERTSCORE_MODEL/infer" '{
  "inputs": [
    {"name": "CANDIDATE", "shape": [2, 1], "datatype": "BYTES",
     "data": ["The cat sat on the mat.", "It is raining."]},
    {"name": "REFERENCE", "shape": [2, 2], "datatype": "BYTES",
     "data": ["A cat was sitting on the mat.", "The cat is on the mat.", "Rain is falling.", ""]},
    {"name": "REFERENCE_COUNT", "shape": [2, 1], "datatype": "INT32", "data": [2, 1]}
  ],
  "parameters": {"idf": true, "rescale_with_baseline": false},
  "outputs": [{"name": "PRECISION"}, {"name": "RECALL"}, {"name": "F1"}, {"name": "HASH"}]
}'

# device_info: no inputs; where and on what the models run.
call "device_info" POST /v2/models/device_info/infer '{"inputs": []}'

# Errors come back as HTTP 400 {"error": "..."}: here CANDIDATE has 2 rows but REFERENCE 1.
call "error: rows differ" POST "/v2/models/$BERTSCORE_MODEL/infer" '{
  "inputs": [
    {"name": "CANDIDATE", "shape": [2, 1], "datatype": "BYTES", "data": ["a", "b"]},
    {"name": "REFERENCE", "shape": [1, 1], "datatype": "BYTES", "data": ["a"]}
  ]
}'
