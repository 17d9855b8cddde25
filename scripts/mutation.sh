#!/usr/bin/env bash
# Mutation testing of the core modules, one at a time: `npm run mutation [module ...]` (all by default). TypeScript
# modules (test/mutation/modules.mjs) with StrykerJS, then the Triton models' Python (`py-*`, named in
# test/mutation/python_mutation.py; py-tokenizer only when named: about 18 minutes more) with mutmut. Reports in
# reports/mutation/<module>.json; each run's summary is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false HF_HUB_OFFLINE=1

modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
  mapfile -t modules < <(node -e 'import("./test/mutation/modules.mjs").then((m) => console.log(Object.keys(m.MODULES).join("\n")))')
  mapfile -t -O ${#modules[@]} modules < <(.venv/bin/python test/mutation/python_mutation.py --list)
fi
for module in "${modules[@]}"; do
  echo "== mutation: $module"
  if [[ $module == py-* ]]; then
    .venv/bin/python test/mutation/python_mutation.py "$module"
  else
    MUTATION_MODULE="$module" npx stryker run test/mutation/stryker.config.mjs
  fi
done
