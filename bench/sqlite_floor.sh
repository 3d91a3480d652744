#!/usr/bin/env bash
# The SQLite floor of a first full sync: the writes the profile store must make per row (one
# profile document, two identity-index entries, one fingerprint) done by the sqlite3 shell alone
# with INSERT … SELECT — no wsync code, no lookups, no warehouse — in transactions of 10,000
# rows, on a database with wsync's own schema and pragmas. No sync through this store can be
# faster than this on the same machine. Prints rows/s per part and for all writes together.
#
# Usage: bench/sqlite_floor.sh [WSYNC_BINARY] [ROWS]
set -euo pipefail
wsync_bin=${1:-build/release/src/cli/wsync}
rows=${2:-1000000}
work=$(mktemp -d /tmp/wsync-floor-XXXXXX)
trap 'rm -rf "$work"' EXIT

# wsync's schema, taken from a real store rather than copied here.
"$wsync_bin" demo --data-dir "$work/demo" >/dev/null
schema=$(sqlite3 "$work/demo/wsync.db" '.schema profiles' '.schema identities' '.schema fingerprints')

# No checkpoints at all: the floor leaves out even the copy from the WAL into the file.
pragmas="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=0;"
# Row i looks like the benchmark's customer i as wsync stores it (documents of 59 and 307 bytes).
profile="INSERT INTO profiles (mpid, workspace_id, environment, identities, attributes, created_at, updated_at, updated_run) SELECT 4611686018427387904 + value, 1, 'production', printf('{\"customer_id\":\"%d\",\"email\":\"user%d@example.com\"}', value, value), printf('%.307c', 'x'), 1, 1, 1 FROM generate_series(LO, HI);"
ids="INSERT INTO identities (workspace_id, environment, type, value, mpid) SELECT 1, 'production', 'customer_id', CAST(value AS TEXT), value FROM generate_series(LO, HI); INSERT INTO identities (workspace_id, environment, type, value, mpid) SELECT 1, 'production', 'email', 'user' || value || '@example.com', value FROM generate_series(LO, HI);"
fps="INSERT INTO fingerprints (workspace_id, pipeline_id, row_key, hash) SELECT 1, 'bench', CAST(value AS TEXT), value * 7 FROM generate_series(LO, HI);"

measure() {  # measure NAME SQL...: prints and sets $rate, rows/s of the statements over all rows
  local name=$1
  shift
  rm -f "$work/floor.db"*
  {
    echo "$pragmas"
    echo "$schema"
    for ((lo = 1; lo <= rows; lo += 10000)); do
      hi=$((lo + 9999 < rows ? lo + 9999 : rows))
      echo "BEGIN;"
      for sql in "$@"; do echo "${sql//LO, HI/$lo, $hi}"; done
      echo "COMMIT;"
    done
  } >"$work/script.sql"
  local start end
  start=$(date +%s.%N)
  sqlite3 "$work/floor.db" <"$work/script.sql" >/dev/null
  end=$(date +%s.%N)
  rate=$(awk -v n="$rows" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }')
  printf '%-28s %10s rows/s\n' "$name" "$rate"
}

echo "rows: $rows"
measure "profiles" "$profile"
measure "identity index (2 per row)" "$ids"
measure "fingerprints" "$fps"
measure "all writes" "$profile" "$ids" "$fps"
echo "floor_rows_per_s=$rate"
