#!/usr/bin/env bash
# `npm run bench`: every benchmark, then ONE table of their figures measured in this run. Each bench writes
# bench-results/<name>.json (git-ignored); bench/aggregate.ts prints the table and bench-results/summary.{md,json}.
# Loopback only, bounded in count. A failing bench is reported and the others still run.
set -uo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
export HF_HUB_OFFLINE=1
mkdir -p bench-results
since=$(date +%s)
failed=()

run_bench() {
  local name=$1
  shift
  echo "== bench: $name" >&2
  if ! "$@"; then
    failed+=("$name")
  fi
}

# The embedded runtime vs @huggingface/transformers and sentence-transformers (proxy/src/runtime/bench), proxied vs direct
# and binary vs JSON tensors (proxy/bench), BERTScore end to end through the proxy (bench/).
run_bench runtime npm run --silent bench:runtime -w proxy
run_bench proxy npm run --silent bench:proxy -w proxy
run_bench bertscore-through-proxy npx tsx bench/bertscore-through-proxy.ts
# Two fixed-time upstreams against one (least-outstanding balancing), bench/.
run_bench two-upstreams npx tsx bench/two-upstreams.ts

# The proxy against a peer that serves like the original service (FastAPI + sentence-transformers + bert_score,
# semaphore of 2; its environment comes from `npm run setup`): on the embedded runtime (with /health p99 under load)
# and on the real Triton server of the test suites (with Triton's mean batch size at default settings).
run_bench original-style-embedded npx tsx bench/original-style.ts --upstream embedded
run_bench original-style-triton npx tsx bench/original-style.ts --upstream triton

# The proxy's /v1/embeddings against infinity-emb. Its environment (.cache/infinity, about a minute to install) is
# made here rather than by `npm run setup`, which stays fast; the bench is skipped when it cannot be installed.
if bash scripts/setup-bench-peer.sh infinity bench/peers/infinity-requirements.txt; then
  run_bench infinity npx tsx bench/infinity.ts
else
  echo "bench: infinity skipped: its environment (.cache/infinity) could not be installed (see pip's message above)" >&2
fi

echo >&2
npx tsx bench/aggregate.ts --since "$since"
status=$?
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed benches: ${failed[*]}" >&2
  exit 1
fi
exit $status
