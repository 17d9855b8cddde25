#!/usr/bin/env bash
# Every suite: lint, type checks, Python (pytest), TypeScript (vitest on Node and in workerd), OpenClaw end to end.
# The real-Triton suites (test/triton) run in the pytest step and in the root vitest step, one tritonserver each.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
export HF_HUB_OFFLINE=1

npm run lint
npm run typecheck
.venv/bin/python -m pytest -q export-scripts test
npm test --workspaces --if-present
bash test/openclaw/run.sh
npx vitest run --config test/vitest.config.ts  # real Triton, chaos (CI size), security, fuzzing, schemathesis
