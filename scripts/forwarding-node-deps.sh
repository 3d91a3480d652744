#!/usr/bin/env bash
# Installs the forwarding tests' schema validator (ajv, pinned in tests/forwarding/node's
# package-lock.json) when it is missing. Called by `make test`; idempotent.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/forwarding/node"
if [ ! -d "$dir/node_modules/ajv" ] || [ ! -d "$dir/node_modules/ajv-formats" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
