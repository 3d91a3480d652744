#!/usr/bin/env bash
# Two `wsync serve` processes on one data directory (SPEC §10, issue 10): every queued run runs
# exactly once (claims are the database's compare-and-set), both APIs show the same state, a
# cancel reaches a run the other process holds, and `kill -9` of the process running a sync
# leaves the other to recover it (failed, "interrupted") and to finish the work with the
# pipeline's next run, ending at the state of an uninterrupted sync.
# Usage: two_servers_test.sh WSYNC_BINARY
set -euo pipefail
wsync_bin=$(realpath "$1")
work=$(mktemp -d /tmp/wsync-two-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for n in a b; do echo "--- $n.err" >&2; tail -20 "$work/$n.err" >&2 || true; done; exit 1; }

big=30000
sqlite3 "$work/shop.db" <<SQL
CREATE TABLE customers (customer_id INTEGER, plan TEXT);
INSERT INTO customers WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $big)
SELECT i, 'p' || (i % 7) FROM n;
CREATE TABLE small (customer_id INTEGER, plan TEXT);
INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');
SQL

start() {  # start NAME: a server on the shared data directory; sets base_NAME and pid_NAME
  WSYNC_BATCH_ROWS=500 "$wsync_bin" serve --data-dir "$work/data" --sqlite-dir "$work" \
    --listen 127.0.0.1:0 --workers 2 >"$work/$1.out" 2>"$work/$1.err" &
  local p=$!
  pids+=("$p")
  for _ in $(seq 1 300); do [ -s "$work/$1.out" ] && break; sleep 0.1; done
  local line
  line=$(head -n 1 "$work/$1.out")
  [[ $line =~ ^listening\ on\ (http://127\.0\.0\.1:[0-9]+)$ ]] || fail "$1 first line: '$line'"
  eval "base_$1=${BASH_REMATCH[1]}/platform/v2/workspaces/1; pid_$1=$p"
}
creds=$("$wsync_bin" credentials create --data-dir "$work/data" --workspace 1)
start a
start b
token=$(curl -sS --fail-with-body -X POST "${base_a%/platform*}/oauth/token" -H 'Content-Type: application/json' \
  -d "$(echo "$creds" | jq '. + {grant_type: "client_credentials"}')" | jq -r .access_token)
call() { curl -sS --fail-with-body -H "Authorization: Bearer $token" -H 'Content-Type: application/json' "$@"; }

call -X POST "$base_a/connections" -d "{\"id\": \"shop\", \"service_provider\": \"sqlite\", \"config\": {\"path\": \"$work/shop.db\"}}" >/dev/null
call -X POST "$base_a/data-models" -d '{"id": "small", "sql_query": "SELECT * FROM small"}' >/dev/null
call -X POST "$base_b/data-models" -d '{"id": "big", "sql_query": "SELECT * FROM customers"}' >/dev/null
pipeline() {  # pipeline ID MODEL ENVIRONMENT
  echo "{\"id\": \"$1\", \"pipeline_type\": \"user_attributes\", \"connection_id\": \"shop\", \"data_model_id\": \"$2\",
    \"environment\": \"$3\", \"schedule\": {\"type\": \"on_demand\"}, \"sync_mode\": {\"type\": \"full\"}}"
}
for i in 1 2 3 4 5 6; do
  call -X POST "$base_a/pipelines" -d "$(pipeline "s$i" small development)" >/dev/null
  call -X POST "$base_b/pipelines/s$i/activate" >/dev/null
done

# Runs triggered through both servers, three rounds over six pipelines: each runs once.
wait_done() {  # wait_done BASE PIPELINE RUN: prints the final state
  local s=queued
  for _ in $(seq 1 600); do
    s=$(call "$1/pipelines/$2/runs/$3" | jq -r .state)
    [ "$s" = queued ] || [ "$s" = running ] || break
    sleep 0.1
  done
  echo "$s"
}
for round in 1 2 3; do
  ids=()
  for i in 1 2 3 4 5 6; do
    if [ $((i % 2)) -eq 0 ]; then base=$base_a; else base=$base_b; fi
    ids+=("$(call -X POST "$base/pipelines/s$i/trigger" | jq -r .pipeline_run_id)")
  done
  for i in 1 2 3 4 5 6; do
    state=$(wait_done "$base_a" "s$i" "${ids[$((i - 1))]}")
    [ "$state" = succeeded ] || fail "round $round: run ${ids[$((i - 1))]} of s$i is $state"
    [ "$(call "$base_a/pipelines/s$i/runs/${ids[$((i - 1))]}")" = "$(call "$base_b/pipelines/s$i/runs/${ids[$((i - 1))]}")" ] ||
      fail "the two servers show run ${ids[$((i - 1))]} differently"
  done
done
total=$(sqlite3 "$work/data/wsync.db" "SELECT count(*) FROM runs")
[ "$total" -eq 18 ] || fail "$total runs recorded, not 18"
for id in $(seq 1 18); do
  n=$(cat "$work/a.err" "$work/b.err" | grep -c "run $id of workspace 1 started" || true)
  [ "$n" -eq 1 ] || fail "run $id started $n times"
done

# A cancel through one server reaches the run the other holds.
call -X POST "$base_a/pipelines" -d "$(pipeline big big production)" >/dev/null
call -X POST "$base_a/pipelines/big/activate" >/dev/null
run=$(call -X POST "$base_a/pipelines/big/trigger" | jq -r .pipeline_run_id)
for _ in $(seq 1 600); do
  [ "$(call "$base_a/pipelines/big/runs/$run" | jq -r .records_extracted)" -ge 1000 ] && break
  sleep 0.05
done
if grep -q "run $run of workspace 1 started" "$work/a.err"; then other=$base_b; else other=$base_a; fi
call -X POST "$other/pipelines/big/runs/$run/cancel" >/dev/null
state=$(wait_done "$other" big "$run")
[ "$state" = cancelled ] || fail "the cancelled run is $state"

# kill -9 of the server running a sync: the other recovers the run and finishes the work.
run=$(call -X POST "$base_b/pipelines/big/trigger" | jq -r .pipeline_run_id)
for _ in $(seq 1 600); do
  [ "$(call "$base_b/pipelines/big/runs/$run" | jq -r .records_extracted)" -ge 1000 ] && break
  sleep 0.05
done
if grep -q "run $run of workspace 1 started" "$work/a.err"; then
  kill -KILL "$pid_a"; survivor=$base_b
else
  kill -KILL "$pid_b"; survivor=$base_a
fi
state=$(wait_done "$survivor" big "$run")
[ "$state" = failed ] || fail "the run of the killed server is $state"
[ "$(call "$survivor/pipelines/big/runs/$run" | jq -r .error)" = interrupted ] || fail "no 'interrupted' error"
next=$(call -X POST "$survivor/pipelines/big/trigger" | jq -r .pipeline_run_id)
state=$(wait_done "$survivor" big "$next")
[ "$state" = succeeded ] || fail "the run after the kill is $state"
profiles=$(sqlite3 "$work/data/wsync.db" "SELECT count(*) FROM profiles WHERE environment = 'production'")
[ "$profiles" -eq "$big" ] || fail "$profiles production profiles, not $big"
wrong=$(sqlite3 "$work/data/wsync.db" "SELECT count(*) FROM profiles WHERE environment = 'production' AND json_extract(attributes, '\$.a.plan[0]') <> 'p' || (CAST(json_extract(identities, '\$.customer_id') AS INTEGER) % 7)")
[ "$wrong" -eq 0 ] || fail "$wrong profiles with the wrong plan"
echo "ok: 18 runs ran once each across two servers; cancel crossed servers; a kill -9 was recovered"
