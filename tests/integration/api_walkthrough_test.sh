#!/usr/bin/env bash
# Runs the curl walk-through of docs/api.md exactly as written against a real `wsync serve` on a
# free loopback port, then checks that SIGTERM stops the server with exit code 0 within 10 s and
# that no secret or token reached its log.
# Usage: api_walkthrough_test.sh WSYNC_BINARY DOCS_API_MD
set -euo pipefail
wsync_bin=$(realpath "$1")
doc=$2
work=$(mktemp -d /tmp/wsync-walkthrough-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export WSYNC=$wsync_bin DATA_DIR=$work/data
"$WSYNC" serve --data-dir "$DATA_DIR" --sqlite-dir "$work" --listen 127.0.0.1:0 \
  >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/serve.out" ] && break
  sleep 0.1
done
line=$(head -n 1 "$work/serve.out")
if ! [[ $line =~ ^listening\ on\ http://127\.0\.0\.1:[0-9]+$ ]]; then
  echo "unexpected first line: '$line'" >&2
  cat "$work/serve.err" >&2
  exit 1
fi
export BASE=${line#listening on }

awk '/<!-- walkthrough:begin -->/ { on = 1; next }
     /<!-- walkthrough:end -->/ { on = 0 }
     on && /^```sh$/ { block = 1; next }
     block && /^```$/ { block = 0; next }
     block { print }' "$doc" >"$work/walkthrough.sh"
blocks=$(awk '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/' "$doc" | grep -c '^```sh$')
if [ "$blocks" -lt 5 ]; then
  echo "found only $blocks walk-through blocks in $doc" >&2
  exit 1
fi

cd "$work"
# Sourced (not run) so the secrets it made can be looked for in the server's log below.
set +u
# shellcheck disable=SC1091
source "$work/walkthrough.sh"
set -u
echo "walk-through passed: run $RUN_ID $STATE, profile $MPID"

start=$(date +%s)
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=""
elapsed=$(($(date +%s) - start))
if [ "$code" -ne 0 ]; then
  echo "wsync serve exited $code after SIGTERM" >&2
  exit 1
fi
if [ "$elapsed" -gt 10 ]; then
  echo "wsync serve took ${elapsed}s to stop" >&2
  exit 1
fi
for secret in "$TOKEN" "$CLIENT_SECRET"; do
  if grep -qF "$secret" "$work/serve.err" "$work/serve.out"; then
    echo "a secret reached the server's output" >&2
    exit 1
  fi
done
grep -q "POST /oauth/token 200" "$work/serve.err"
echo "ok"
