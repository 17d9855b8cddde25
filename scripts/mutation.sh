#!/usr/bin/env bash
# Mutation testing (StrykerJS) of the core modules, one at a time: `npm run mutation [module ...]` (all by default;
# names in test/mutation/modules.mjs). Reports in reports/mutation/<module>.json; the summary of each run is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false HF_HUB_OFFLINE=1

modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  mapfile -t modules < <(node -e 'import("./test/mutation/modules.mjs").then((m) => console.log(Object.keys(m.MODULES).join("\n")))')
fi
for module in "${modules[@]}"; do
  echo "== mutation: $module"
  MUTATION_MODULE="$module" npx stryker run test/mutation/stryker.config.mjs
done
