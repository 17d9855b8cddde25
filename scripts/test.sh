#!/usr/bin/env bash
# Every suite: lint, type checks, Python (pytest), TypeScript (vitest on Node and in workerd), OpenClaw end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false CLOUDFLARE_CF_FETCH_ENABLED=false
export HF_HUB_OFFLINE=1

npm run lint
npm run typecheck
.venv/bin/python -m pytest -q export-scripts triton-models test
npm test --workspaces --if-present
bash test/openclaw/run.sh
npx vitest run --config test/vitest.config.ts  # chaos (CI size), security, fuzzing, schemathesis
