#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 for the tests: its own data directory, a private port,
# its unix socket inside DIR, listening on 127.0.0.1 only, with TLS on (a self-signed certificate
# made here). Run as root it runs the server as the postgres user.
#
#   scripts/pg-test.sh start DIR PORT   # initdb (first time) + pg_ctl start; idempotent
#   scripts/pg-test.sh stop DIR PORT    # pg_ctl stop -m fast; idempotent
#
# What the tests find there (tests read WSYNC_PG_HOST / WSYNC_PG_PORT):
#   user wsync / password wsync-test-pw    owner of database wsync_test (scram-sha-256 over TCP)
#   user wsync_limited / password limited-pw  may connect to wsync_test, may not read secret_table
#   database tlsonly    reachable over TLS only (pg_hba: hostnossl ... reject)
#   database plainonly  reachable without TLS only (pg_hba: hostssl ... reject)
set -euo pipefail

cmd=${1:-}
dir=${2:-}
port=${3:-}
if [[ -z "$cmd" || -z "$dir" || -z "$port" ]]; then
  echo "usage: $0 start|stop DIR PORT" >&2
  exit 2
fi

bin=/usr/lib/postgresql/15/bin
data="$dir/data"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); fi

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
    if [[ ! -f "$data/PG_VERSION" ]]; then
      pwfile="$dir/superuser.pw"
      echo "wsync-test-superuser" >"$pwfile"
      if [[ $(id -u) -eq 0 ]]; then chown postgres: "$pwfile"; fi
      "${as_pg[@]}" "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" -A trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
      # A self-signed certificate so that sslmode=require can succeed and TLS rules can be tested.
      openssl req -new -x509 -days 3650 -nodes -subj "/CN=localhost" \
        -keyout "$data/server.key" -out "$data/server.crt" >/dev/null 2>&1
      chmod 600 "$data/server.key"
      if [[ $(id -u) -eq 0 ]]; then chown postgres: "$data/server.key" "$data/server.crt"; fi
      cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
password_encryption = 'scram-sha-256'
CONF
      # First match wins: the TLS rules, then passwords over TCP; the socket is for setup only.
      cat >"$data/pg_hba.conf" <<HBA
local     all        postgres                   trust
hostnossl tlsonly    all        127.0.0.1/32    reject
hostssl   plainonly  all        127.0.0.1/32    reject
host      all        all        127.0.0.1/32    scram-sha-256
HBA
      if [[ $(id -u) -eq 0 ]]; then chown postgres: "$data/pg_hba.conf"; fi
      fresh=1
    fi
    if ! "${as_pg[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null
    fi
    if [[ -n "${fresh:-}" ]]; then
      psql=("${as_pg[@]}" /usr/bin/psql -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q)
      "${psql[@]}" -d postgres <<SQL
CREATE ROLE wsync LOGIN PASSWORD 'wsync-test-pw';
CREATE ROLE wsync_limited LOGIN PASSWORD 'limited-pw';
CREATE DATABASE wsync_test OWNER wsync;
CREATE DATABASE tlsonly OWNER wsync;
CREATE DATABASE plainonly OWNER wsync;
SQL
      "${psql[@]}" -d wsync_test <<SQL
SET ROLE wsync;
CREATE TABLE secret_table (id int);
CREATE TABLE open_table (id int);
INSERT INTO open_table VALUES (1);
GRANT SELECT ON open_table TO wsync_limited;
SQL
    fi
    ;;
  stop)
    if [[ -f "$data/PG_VERSION" ]] && "${as_pg[@]}" "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR PORT" >&2
    exit 2
    ;;
esac
