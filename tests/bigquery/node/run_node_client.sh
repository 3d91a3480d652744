#!/usr/bin/env bash
# CTest bigquery_node_client: starts the local BigQuery server (fake_bigquery_server, its
# first argument) in a temporary directory, runs check.js with Google's Node client against it,
# and stops the server. The Node packages come from package-lock.json (scripts/npm-deps.sh runs
# `npm ci` when they are missing).
set -euo pipefail
server="$1"
source_dir="$2"
here="$source_dir/tests/bigquery/node"
"$source_dir/scripts/npm-deps.sh"

dir="$(mktemp -d)"
"$server" "$dir" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 200); do
  [ -s "$dir/url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run_node_client: the server did not start" >&2
    exit 1
  fi
  sleep 0.05
done
[ -s "$dir/url" ] || { echo "run_node_client: the server wrote no url" >&2; exit 1; }
node "$here/check.js" "$dir"
