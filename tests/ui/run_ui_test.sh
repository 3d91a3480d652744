#!/usr/bin/env bash
# The web UI end to end (tests/ui/ui_test.mjs in Debian's headless Chromium): starts
# `wsync serve` on a free loopback port over a temporary data directory, with a SQLite warehouse
# under its only --sqlite-dir, creates an API credential with the CLI, runs the browser test,
# and always stops the server by its pid.
# Usage: run_ui_test.sh WSYNC_BINARY [SCREENSHOT_DIR]   (screenshots: none unless a dir is given)
set -euo pipefail
wsync_bin=$(realpath "$1")
shots=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
chromium=${WSYNC_CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "run_ui_test: $chromium is missing; run scripts/install-deps.sh (Debian package chromium)" >&2
  exit 1
fi
"$root/scripts/npm-deps.sh"

work=$(mktemp -d /tmp/wsync-ui-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/data" "$work/warehouse"
# The warehouse: ROWS customers (enough for a run to be watched in progress), and three rows with
# no identity that become row errors.
rows=${WSYNC_UI_ROWS:-60000}
sqlite3 "$work/warehouse/shop.db" <<SQL
CREATE TABLE customers (customer_id INTEGER, email TEXT, first_name TEXT, plan TEXT, updated_at TEXT);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < $rows)
INSERT INTO customers
  SELECT x, 'customer' || x || '@example.com', 'Name' || x,
         CASE x % 3 WHEN 0 THEN 'pro' WHEN 1 THEN 'free' ELSE 'team' END,
         printf('2024-05-%02dT%02d:00:00Z', 1 + x % 28, x % 24) FROM n;
INSERT INTO customers VALUES (NULL, NULL, 'Nobody', 'free', '2024-05-03T00:00:00Z'),
  (NULL, NULL, 'Nobody2', 'free', '2024-05-03T00:00:00Z'),
  (NULL, '   ', 'Blank', 'free', '2024-05-03T00:00:00Z');
SQL

"$wsync_bin" serve --data-dir "$work/data" --sqlite-dir "$work/warehouse" --listen 127.0.0.1:0 \
  --workers 2 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/serve.out" ] && break
  sleep 0.1
done
line=$(head -n 1 "$work/serve.out")
if ! [[ $line =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]]; then
  echo "run_ui_test: unexpected first line '$line'" >&2
  cat "$work/serve.err" >&2
  exit 1
fi
base=${BASH_REMATCH[1]}
creds=$("$wsync_bin" credentials create --data-dir "$work/data" --workspace 1)

code=0
WSYNC_BASE=$base WSYNC_BIN=$wsync_bin WSYNC_DATA_DIR=$work/data WSYNC_CREDS=$creds \
  WSYNC_WAREHOUSE=$work/warehouse/shop.db WSYNC_ROWS=$rows WSYNC_SHOTS=$shots \
  WSYNC_CHROMIUM=$chromium \
  node --test --test-concurrency=1 "$here/ui_test.mjs" || code=$?
if [ "$code" -ne 0 ]; then
  echo "--- wsync serve log (last 40 lines) ---" >&2
  tail -n 40 "$work/serve.err" >&2
fi
exit "$code"
