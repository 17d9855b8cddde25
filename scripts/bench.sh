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

echo >&2
npx tsx bench/aggregate.ts --since "$since"
status=$?
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed benches: ${failed[*]}" >&2
  exit 1
fi
exit $status
