#!/usr/bin/env bash
# The GPU Bridge models over Triton's raw KServe v2 HTTP/REST API, with curl only (contract:
# triton-models/README.md). Against the compose stack on the GPU box:
#   bash examples/kserve-curl.sh                       # Triton on localhost:8000
#   TRITON_URL=http://gpu-box:8000 bash examples/kserve-curl.sh
# Each request is printed as "### <what>" followed by the JSON answer; a call that fails stops the script with a
# non-zero exit status. EMBED_MODEL / BERTSCORE_MODEL name the models; unset, the script uses `embed` / `bertscore`
# when served, else another ready model of the same task (its config's `task` parameter).
# Text goes in as BYTES tensors; in JSON a BYTES element is a plain string. Shapes include the batch dimension.
set -euo pipefail

TRITON_URL="${TRITON_URL:-http://localhost:8000}"

call() { # call TITLE METHOD PATH [JSON-BODY]: prints the answer, fails on an HTTP error
  echo "### $1"
  if [ $# -ge 4 ]; then
    curl -sS --fail-with-body -X "$2" "$TRITON_URL$3" -H 'Content-Type: application/json' -d "$4"
  else
    curl -sS --fail-with-body -X "$2" "$TRITON_URL$3"
  fi
  echo
}

# Health: 200 with an empty body when live / ready. Ready means every model loaded unless Triton runs with
# --strict-readiness=false (as the compose stack does): then ask each model, /v2/models/<name>/ready.
echo "### live"; curl -sS -o /dev/null -w '{"status": %{http_code}}\n' "$TRITON_URL/v2/health/live"
echo "### ready"; curl -sS -o /dev/null -w '{"status": %{http_code}}\n' "$TRITON_URL/v2/health/ready"

call "server metadata" GET /v2
index=$(curl -sS --fail-with-body -X POST "$TRITON_URL/v2/repository/index" -d '{}')
echo "### repository index"; echo "$index"

served() { # served TASK: the first ready model whose config says task TASK, the one named TASK first
  local names name
  names=$(printf '%s' "$index" | grep -o '"name":"[^"]*","version":"[^"]*","state":"READY"' | cut -d'"' -f4 | tr '\n' ' ')
  for name in "$1" $names; do
    case " $names " in *" $name "*) ;; *) continue ;; esac
    if curl -sS --fail "$TRITON_URL/v2/models/$name/config" | grep -q "\"task\":{\"string_value\":\"$1\"}"; then
      echo "$name"; return 0
    fi
  done
  echo "no ready $1 model in the repository index" >&2
  return 1
}
EMBED_MODEL="${EMBED_MODEL:-$(served embed)}"
BERTSCORE_MODEL="${BERTSCORE_MODEL:-$(served bertscore)}"
echo "### models"; echo "{\"embed\": \"$EMBED_MODEL\", \"bertscore\": \"$BERTSCORE_MODEL\"}"
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
# candidate's references. Request parameters: idf, rescale_with_baseline (roberta-large, lang en), lang. With idf and
# one reference, bert_score's recall is NaN: Triton writes the bare token NaN into the JSON ("data":[NaN]).
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

# Errors come back as HTTP 400 {"error": "..."} (triton-models/README.md, Errors): here CANDIDATE has 2 rows but
# REFERENCE 1, which Triton refuses before the model runs. Anything but that 400 fails the script.
echo "### error: rows differ"
answer=$(curl -sS -w '\n%{http_code}' -X POST "$TRITON_URL/v2/models/$BERTSCORE_MODEL/infer" \
  -H 'Content-Type: application/json' -d '{
  "inputs": [
    {"name": "CANDIDATE", "shape": [2, 1], "datatype": "BYTES", "data": ["a", "b"]},
    {"name": "REFERENCE", "shape": [1, 1], "datatype": "BYTES", "data": ["a"]}
  ]
}')
echo "${answer%$'\n'*}"
[ "${answer##*$'\n'}" = 400 ] || { echo "expected HTTP 400, got HTTP ${answer##*$'\n'}" >&2; exit 1; }
