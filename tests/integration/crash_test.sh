#!/usr/bin/env bash
# kill -9 of `wsync serve` in the middle of a large run (issue 4). After the restart the
# interrupted run is failed with error "interrupted" and its counters equal what it committed;
# the next run brings the store to exactly the state of an uninterrupted sync of the same
# pipeline: no lost rows, no duplicated events, the same mark.
# Usage: crash_test.sh WSYNC_BINARY
set -euo pipefail
wsync_bin=$(realpath "$1")
work=$(mktemp -d /tmp/wsync-crash-XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

rows=20000
sqlite3 "$work/shop.db" <<SQL
CREATE TABLE purchases (seq INTEGER, customer_id INTEGER, plan TEXT, order_id TEXT);
INSERT INTO purchases WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
SELECT i, i % 5000 + 1, 'p' || (i % 7), 'order-' || i FROM n;
SQL

cat >"$work/sync.json" <<EOF2
{"connections": [{"id": "shop", "service_provider": "sqlite", "config": {"path": "$work/shop.db"}}],
 "data_models": [{"id": "purchases", "sql_query": "SELECT * FROM purchases"}],
 "field_transformations": [{"id": "purchase-events", "destination_type": "event_batch", "mappings": [
   {"mapping_type": "column", "source": "customer_id", "destination": "user_identities.customer_id"},
   {"mapping_type": "column", "source": "plan", "destination": "user_attributes.plan"},
   {"mapping_type": "static", "destination": "events.event_type", "value": "custom_event", "value_type": "string"},
   {"mapping_type": "static", "destination": "events.event_name", "value": "purchase", "value_type": "string"},
   {"mapping_type": "static", "destination": "events.custom_event_type", "value": "transaction", "value_type": "string"},
   {"mapping_type": "column", "source": "order_id", "destination": "events.source_message_id"},
   {"mapping_type": "ignore", "source": "seq"}]}],
 "pipelines": [{"id": "purchases-sync", "pipeline_type": "events", "connection_id": "shop",
   "data_model_id": "purchases", "field_transformation_id": "purchase-events",
   "environment": "production", "schedule": {"type": "on_demand"},
   "sync_mode": {"type": "incremental", "iterator": "seq", "iterator_data_type": "integer"}}]}
EOF2

# The reference: one uninterrupted run.
"$wsync_bin" run --config "$work/sync.json" --data-dir "$work/reference" >"$work/reference.out" 2>&1 ||
  { cat "$work/reference.out"; fail "reference run failed"; }

state() {  # state DATA_DIR: what must be equal after recovery
  sqlite3 "$1/wsync.db" <<'SQL'
SELECT 'profiles', count(*) FROM profiles;
SELECT 'identities', count(*), count(DISTINCT value) FROM identities;
SELECT 'events', count(*), count(DISTINCT dedup_key) FROM events;
SELECT 'mark', high_water_mark FROM pipeline_state;
SELECT 'plans', group_concat(c || '=' || p, ',') FROM (SELECT json_extract(identities, '$.customer_id') AS c, json_extract(attributes, '$.a.plan[0]') AS p FROM profiles ORDER BY CAST(c AS INTEGER));
SQL
}
state "$work/reference" >"$work/reference.state"
grep -qx "events|$rows|$rows" "$work/reference.state" || fail "reference has $(grep events "$work/reference.state")"
grep -qx "mark|{\"iterator\":\"seq\",\"type\":\"integer\",\"value\":$rows}" "$work/reference.state" || fail "reference mark: $(grep mark "$work/reference.state")"
# Every profile's plan is read (a stored-format change must not make the comparison vacuous).
[ "$(sqlite3 "$work/reference/wsync.db" "SELECT count(*) FROM profiles WHERE json_extract(attributes, '\$.a.plan[0]') IS NULL")" -eq 0 ] ||
  fail "reference profiles without a plan"

start_server() {
  : >"$work/serve.out"
  WSYNC_BATCH_ROWS=1000 "$wsync_bin" serve --data-dir "$work/data" --sqlite-dir "$work" \
    --listen 127.0.0.1:0 \
    >"$work/serve.out" 2>>"$work/serve.err" &
  pid=$!
  for _ in $(seq 1 300); do [ -s "$work/serve.out" ] && break; sleep 0.1; done
  line=$(head -n 1 "$work/serve.out")
  [[ $line =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]] || fail "first line: '$line'"
  base=${BASH_REMATCH[1]}
  api="$base/platform/v2/workspaces/1"
}

creds=$("$wsync_bin" credentials create --data-dir "$work/data" --workspace 1)
start_server
token=$(curl -sS --fail-with-body -X POST "$base/oauth/token" -H 'Content-Type: application/json' \
  -d "$(echo "$creds" | jq '. + {grant_type: "client_credentials"}')" | jq -r .access_token)
call() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }
for kind in connections data_models field_transformations pipelines; do
  path=${kind//_/-}
  jq -c ".${kind}[]" "$work/sync.json" | while read -r body; do
    call -X POST "$api/$path" -d "$body" >/dev/null
  done
done
call -X POST "$api/pipelines/purchases-sync/activate" >/dev/null
run_id=$(call -X POST "$api/pipelines/purchases-sync/trigger" | jq -r .pipeline_run_id)

# Kill the server once a few batches are committed and the run is still going.
for _ in $(seq 1 600); do
  extracted=$(sqlite3 "$work/data/wsync.db" "SELECT records_extracted FROM runs WHERE workspace_id = 1 AND run_id = $run_id")
  [ "${extracted:-0}" -ge 3000 ] && break
  sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=""
read -r run_state extracted mapped failed created events < <(sqlite3 -separator ' ' "$work/data/wsync.db" \
  "SELECT state, records_extracted, records_mapped, records_failed, profiles_created, events_created FROM runs WHERE workspace_id = 1 AND run_id = $run_id")
[ "$run_state" = running ] || fail "the run was $run_state when killed (make the table bigger)"
[ "$extracted" -lt "$rows" ] || fail "the run had finished when killed"
[ "$extracted" -eq $((mapped + failed)) ] || fail "counters: extracted $extracted != mapped $mapped + failed $failed"
# What the run committed is exactly what its counters say.
[ "$(sqlite3 "$work/data/wsync.db" 'SELECT count(*) FROM events')" -eq "$events" ] || fail "events != events_created"
[ "$(sqlite3 "$work/data/wsync.db" 'SELECT count(*) FROM profiles')" -eq "$created" ] || fail "profiles != profiles_created"
[ -z "$(sqlite3 "$work/data/wsync.db" 'SELECT high_water_mark FROM pipeline_state')" ] || fail "mark moved"

start_server
run=$(call "$api/pipelines/purchases-sync/runs/$run_id")
[ "$(echo "$run" | jq -r .state)" = failed ] || fail "after restart: $run"
[ "$(echo "$run" | jq -r .error)" = interrupted ] || fail "after restart: $run"
[ "$(echo "$run" | jq -r .records_extracted)" -eq "$extracted" ] || fail "counters changed: $run"
[ "$(echo "$run" | jq -r .events_created)" -eq "$events" ] || fail "counters changed: $run"

next=$(call -X POST "$api/pipelines/purchases-sync/trigger" | jq -r .pipeline_run_id)
for _ in $(seq 1 1200); do
  next_state=$(call "$api/pipelines/purchases-sync/runs/$next" | jq -r .state)
  [ "$next_state" = queued ] || [ "$next_state" = running ] || break
  sleep 0.1
done
[ "$next_state" = succeeded ] || fail "the run after the crash: $(call "$api/pipelines/purchases-sync/runs/$next")"
kill -TERM "$pid"
wait "$pid" || fail "serve exited $? after SIGTERM"
pid=""

state "$work/data" >"$work/recovered.state"
diff "$work/reference.state" "$work/recovered.state" || fail "recovered state differs from the reference"
echo "ok: killed after $extracted of $rows rows; recovered to the reference state"
