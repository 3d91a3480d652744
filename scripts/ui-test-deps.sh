#!/usr/bin/env bash
# Installs the UI tests' npm packages (playwright-core, axe-core; versions pinned by
# tests/ui/package-lock.json) when tests/ui/node_modules is missing or older than the lockfile.
# Chromium itself is Debian's (scripts/install-deps.sh); nothing else is downloaded.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tests/ui"
stamp="$dir/node_modules/.package-lock.json"
if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ] &&
   [ -d "$dir/node_modules/playwright-core" ] && [ -d "$dir/node_modules/axe-core" ]; then
  exit 0
fi
echo "ui-test-deps: npm ci in tests/ui" >&2
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error >&2
