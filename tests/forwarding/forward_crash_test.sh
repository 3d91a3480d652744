#!/usr/bin/env bash
# kill -9 of `wsync serve` while it forwards an events pipeline to a receiver on loopback, then
# a restart (issue 14): the receiver ends up with every event exactly once by message id — a
# batch read twice (its answer lost in the kill) came again with the same source_request_id —
# and every body it read validates against mParticle's schemas (node/validate.js).
# Usage: forward_crash_test.sh WSYNC_BINARY RECEIVER_BINARY
set -euo pipefail
wsync_bin=$(realpath "$1")
receiver_bin=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/wsync-fwd-crash-XXXXXX)
pid=""
receiver_pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  if [ -n "$receiver_pid" ]; then kill -KILL "$receiver_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/serve.err" ] && tail -20 "$work/serve.err" >&2; exit 1; }

rows=3000
sqlite3 "$work/shop.db" <<SQL
CREATE TABLE purchases (seq INTEGER, customer_id INTEGER, order_id TEXT);
INSERT INTO purchases WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)
SELECT i, i % 1000 + 1, 'order-' || i FROM n;
SQL

# Each request takes 40 ms to answer, so forwarding is under way when the server is killed.
"$receiver_bin" "$work/port" "$work/received.jsonl" 40 &
receiver_pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
receiver_port=$(cat "$work/port")

cat >"$work/sync.json" <<EOF2
{"connections": [{"id": "shop", "service_provider": "sqlite", "config": {"path": "$work/shop.db"}}],
 "data_models": [{"id": "purchases", "sql_query": "SELECT * FROM purchases"}],
 "field_transformations": [{"id": "purchase-events", "destination_type": "event_batch", "mappings": [
   {"mapping_type": "column", "source": "customer_id", "destination": "user_identities.customer_id"},
   {"mapping_type": "static", "destination": "events.event_type", "value": "custom_event", "value_type": "string"},
   {"mapping_type": "static", "destination": "events.event_name", "value": "purchase", "value_type": "string"},
   {"mapping_type": "static", "destination": "events.custom_event_type", "value": "transaction", "value_type": "string"},
   {"mapping_type": "column", "source": "order_id", "destination": "events.source_message_id"},
   {"mapping_type": "ignore", "source": "seq"}]}],
 "pipelines": [{"id": "purchases-sync", "pipeline_type": "events", "connection_id": "shop",
   "data_model_id": "purchases", "field_transformation_id": "purchase-events",
   "environment": "production", "schedule": {"type": "on_demand"},
   "sync_mode": {"type": "incremental", "iterator": "seq", "iterator_data_type": "integer"},
   "outputs": [{"type": "http", "url": "http://127.0.0.1:$receiver_port/bulk"}]}]}
EOF2

start_server() {
  : >"$work/serve.out"
  WSYNC_BATCH_ROWS=150 "$wsync_bin" serve --data-dir "$work/data" --sqlite-dir "$work" \
    --allow-network 127.0.0.0/8 --lease-seconds 2 --listen 127.0.0.1:0 \
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
call -X POST "$api/pipelines/purchases-sync/trigger" >/dev/null

# Kill the server once a few requests arrived and the outbox still holds undelivered batches.
for _ in $(seq 1 600); do
  [ -f "$work/received.jsonl" ] && [ "$(wc -l <"$work/received.jsonl")" -ge 4 ] && break
  sleep 0.02
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=""
before=$(wc -l <"$work/received.jsonl")
pending=$(sqlite3 "$work/data/wsync.db" "SELECT count(*) FROM outbox WHERE seq > coalesce((SELECT max(delivered_seq) FROM outbox_cursors), 0)")
[ "$pending" -gt 0 ] || fail "nothing was left to forward when the server was killed (slow the receiver)"

start_server
# The run the kill interrupted (if it was still going) is failed; the next one finishes the data.
for _ in $(seq 1 100); do
  busy=$(sqlite3 "$work/data/wsync.db" "SELECT count(*) FROM runs WHERE state IN ('queued', 'running')")
  [ "$busy" -eq 0 ] && break
  sleep 0.1
done
next=$(call -X POST "$api/pipelines/purchases-sync/trigger" | jq -r .pipeline_run_id)
for _ in $(seq 1 1200); do
  state=$(call "$api/pipelines/purchases-sync/runs/$next" | jq -r .state)
  [ "$state" = queued ] || [ "$state" = running ] || break
  sleep 0.1
done
[ "$state" = succeeded ] || fail "the run after the restart: $(call "$api/pipelines/purchases-sync/runs/$next")"
for _ in $(seq 1 1200); do
  status=$(call "$api/pipelines/purchases-sync/status")
  [ "$(echo "$status" | jq -r '.outputs[0].backlog')" = 0 ] && break
  sleep 0.1
done
[ "$(echo "$status" | jq -r '.outputs[0].backlog')" = 0 ] || fail "backlog left: $status"
[ "$(echo "$status" | jq -r '.outputs[0].state')" = ok ] || fail "output state: $status"
forwarded=$(call "$api/pipelines/purchases-sync/runs" | jq '[.items[].batches_forwarded] | add')
kill -TERM "$pid"
wait "$pid" || fail "serve exited $? after SIGTERM"
pid=""

# Every event once by message id; a batch read twice carried the same source_request_id.
jq -c '.[] | . as $b | .events[] | [.data.source_message_id, $b.source_request_id]' \
  "$work/received.jsonl" | sort -u >"$work/pairs"
messages=$(cut -d, -f1 "$work/pairs" | sort -u | wc -l)
[ "$messages" -eq "$rows" ] || fail "the receiver has $messages distinct events, not $rows"
[ "$(wc -l <"$work/pairs")" -eq "$rows" ] || fail "an event came in two different batches"
stored=$(sqlite3 "$work/data/wsync.db" "SELECT count(*) FROM events")
[ "$stored" -eq "$rows" ] || fail "the store has $stored events"
batches=$(jq -c '.[] | .source_request_id' "$work/received.jsonl" | sort -u | wc -l)
[ "$forwarded" -eq "$batches" ] || fail "runs counted $forwarded batches forwarded, the receiver has $batches"
total=$(jq -c '.[]' "$work/received.jsonl" | wc -l)

if [ -d "$here/node/node_modules/ajv" ]; then
  node "$here/node/validate.js" "$work/received.jsonl" >"$work/validate.out" || { cat "$work/validate.out"; fail "schema"; }
else
  fail "run scripts/npm-deps.sh first (make test does)"
fi
echo "ok: killed with $pending batches pending after $before requests; $rows events once each in $batches batches ($((total - batches)) resent)"
