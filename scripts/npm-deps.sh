#!/usr/bin/env bash
# Installs the npm packages the tests use, pinned by their package-lock.json files, when their
# node_modules is missing or older than the lockfile (`npm ci`). Idempotent; installs Debian's
# nodejs and npm first when npm is missing. Used by `make deps` and by the tests that need
# the packages.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm-deps: installing nodejs and npm" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm
fi
for dir in "$root/tests/bigquery/node" "$root/tests/ui" "$root/tests/forwarding/node"; do
  lock="$dir/package-lock.json"
  stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    echo "npm-deps: npm ci in ${dir#"$root"/}" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
