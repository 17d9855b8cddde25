#!/usr/bin/env bash
# Every suite: lint, type checks, Python (pytest), TypeScript (vitest on Node and in workerd), OpenClaw end to end.
# The real-Triton suites (test/triton) run in the pytest step and in the root vitest step, one tritonserver each.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
export HF_HUB_OFFLINE=1
# Every step also writes a report under reports/tests/ (of the root and of each workspace) for the skip summary.
VITEST_REPORT=(--reporter=default --reporter=json --outputFile.json=reports/tests/vitest.json)
node scripts/skip-summary.mjs --clear

npm run lint
npm run typecheck
.venv/bin/python -m pytest -q -rs --junitxml=reports/tests/pytest.xml export-scripts test
npm test --workspaces --if-present -- "${VITEST_REPORT[@]}"
bash test/openclaw/run.sh
npx vitest run --config test/vitest.config.ts --reporter=default --reporter=json --outputFile.json=reports/tests/vitest-root.json  # real Triton, chaos (CI size), security, fuzzing, schemathesis
node scripts/skip-summary.mjs
