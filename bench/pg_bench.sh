#!/usr/bin/env bash
# `make bench-pg`: starts a throwaway PostgreSQL (scripts/pg-test.sh) on a private port, runs
# pg_bench against it and always stops it. Usage: bench/pg_bench.sh PG_BENCH_BINARY [ROWS [scan]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
rows=${2:-1000000}
mode=${3:-}
port=${WSYNC_PG_BENCH_PORT:-54328}
dir=$(mktemp -d /tmp/wsync-pg-bench-server-XXXXXX)
chmod 755 "$dir"
cleanup() {
  "$root/scripts/pg-test.sh" stop "$dir" "$port" || true
  rm -rf "$dir"
}
trap cleanup EXIT
"$root/scripts/pg-test.sh" start "$dir" "$port"
"$bin" "127.0.0.1:$port" "$rows" $mode
