#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (CI and local runs), from Debian's postgresql
# package: a fresh cluster in a temp directory, trust auth, listening on 127.0.0.1 only.
#
#   scripts/ci-postgres.sh start   # prints the admin URL for BOXFLOW_TEST_DATABASE_URL
#   scripts/ci-postgres.sh stop    # stops the server and deletes its directory
#   scripts/ci-postgres.sh url
#
# BOXFLOW_PG_PORT (default 55432) and BOXFLOW_PG_DIR (default /tmp/boxflow-pg-<port>) choose where.
# Durability is switched off (fsync, synchronous_commit): the data is thrown away after the run.
# As root the server runs as the `postgres` user (initdb refuses root); otherwise as the caller.
set -euo pipefail

PORT="${BOXFLOW_PG_PORT:-55432}"
DIR="${BOXFLOW_PG_DIR:-/tmp/boxflow-pg-${PORT}}"
URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$bin" ] && command -v pg_config >/dev/null; then bin="$(pg_config --bindir)"; fi
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "ci-postgres: no PostgreSQL server binaries found (apt-get install -y postgresql)" >&2
    exit 1
  fi
  echo "$bin"
}

# Runs a command as the server's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin="$(pg_bin)"
  if [ -f "$DIR/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    echo "ci-postgres: already running in $DIR" >&2
    echo "$URL"
    return
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "ci-postgres: user postgres is missing (install the postgresql package)" >&2; exit 1; }
    chown postgres "$DIR"
  fi
  as_owner "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-k $DIR -p $PORT -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
  echo "$URL"
}

stop() {
  local bin
  bin="$(pg_bin)"
  if [ -d "$DIR/data" ]; then
    as_owner "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
