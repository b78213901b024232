#!/usr/bin/env bash
# Project-local PostgreSQL and Redis for development and tests.
#
#   scripts/services.sh start|stop|status
#
# PostgreSQL: cluster in .local/pg/data, 127.0.0.1:54329, socket in .local/pg/run.
# Redis:      .local/redis, 127.0.0.1:63799, daemonized with pidfile and logfile.
# `start` writes .local/env (DATABASE_URL, DATABASE_OWNER_URL, REDIS_URL). A URL already set in
# the environment wins: that service is not started and the given URL is written to .local/env.
# Two database roles (cs_platform/rls.py): `junkan` owns the tables and runs migrations
# (DATABASE_OWNER_URL); the application logs in as `junkan_app`, which owns nothing and is
# subject to row-level security (DATABASE_URL).
# NOTE: never touches system-wide services; everything lives under .local/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
PG_DIR="$LOCAL/pg"
PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
PG_PORT="${JUNKAN_PG_PORT:-54329}"
REDIS_DIR="$LOCAL/redis"
REDIS_PORT="${JUNKAN_REDIS_PORT:-63799}"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"
DB_NAME=junkan
DB_ROLE=junkan
APP_ROLE=junkan_app
LOCAL_DATABASE_URL="postgres://$APP_ROLE@127.0.0.1:$PG_PORT/$DB_NAME"
LOCAL_DATABASE_OWNER_URL="postgres://$DB_ROLE@127.0.0.1:$PG_PORT/$DB_NAME"
LOCAL_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
WAIT_SECONDS=30

# Captured before anything else: URLs the caller set explicitly.
EXT_DATABASE_URL="${DATABASE_URL:-}"
EXT_DATABASE_OWNER_URL="${DATABASE_OWNER_URL:-}"
EXT_REDIS_URL="${REDIS_URL:-}"

say() { echo "services: $*"; }
die() { echo "services: ERROR: $*" >&2; exit 1; }

pg_bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null || true)"
    if [[ -x "$dir/initdb" ]]; then echo "$dir"; return; fi
  fi
  # Newest installed major version first.
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [[ -x "$dir/initdb" ]]; then echo "$dir"; return; fi
  done
  die "PostgreSQL server binaries not found (run scripts/bootstrap.sh, or apt-get install postgresql)."
}

# initdb and the server refuse to run as root: as root, run them as the postgres system user.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$PG_DIR" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# As root, the postgres user must be able to traverse every directory above .local/pg.
ensure_pg_dir() {
  mkdir -p "$PG_DIR"
  [[ $EUID -eq 0 ]] || return 0
  id postgres >/dev/null 2>&1 || die "system user 'postgres' missing (apt-get install postgresql creates it)."
  chown postgres:postgres "$PG_DIR"
  local path="" part
  IFS=/ read -ra parts <<<"${PG_DIR#/}"
  for part in "${parts[@]}"; do
    path="$path/$part"
    if ! runuser -u postgres -- test -x "$path"; then
      say "chmod o+x $path (so the postgres user can reach .local/pg)"
      chmod o+x "$path"
    fi
  done
  if [[ ! -d "$PG_RUN" ]]; then
    as_pg mkdir -p "$PG_RUN"
  fi
}

pg_running() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

# Our cluster is up (not merely something else answering on the port) and accepts connections.
pg_ready() {
  pg_running && "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
}

pg_fail() {
  echo "--- last lines of $PG_LOG ---" >&2
  tail -n 20 "$PG_LOG" >&2 || true
  die "$1 (log: $PG_LOG)"
}

pg_start() {
  BIN="$(pg_bindir)"
  ensure_pg_dir
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    say "initialising PostgreSQL cluster in $PG_DATA"
    # C.UTF-8: byte-order collation, but a UTF-8 ctype, which pg_trgm needs for Japanese text.
    as_pg "$BIN/initdb" -D "$PG_DATA" --username=postgres --encoding=UTF8 \
      --locale=C.UTF-8 --auth=trust >"$PG_DIR/initdb.log" 2>&1 \
      || { tail -n 20 "$PG_DIR/initdb.log" >&2; die "initdb failed (log: $PG_DIR/initdb.log)"; }
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- Junkan local development (scripts/services.sh) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
EOF
  fi
  if pg_running; then
    say "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    local options=""
    if [[ "${JUNKAN_PG_THROWAWAY:-}" == 1 ]]; then
      # A server started for one CI run (.ci/run): no waiting for the disk. Every index build,
      # TRUNCATE (a transactional test's flush) and CREATE DATABASE otherwise syncs its files.
      # A crash of the server still loses nothing (the WAL is written before a commit returns);
      # only a crash of the machine could. Given at start, not written into postgresql.conf,
      # so the next start of the same cluster (make demo) syncs again.
      options="-c fsync=off -c full_page_writes=off"
    fi
    as_pg "$BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$options" -w -t "$WAIT_SECONDS" start >/dev/null 2>&1 \
      || pg_fail "PostgreSQL failed to start"
  fi
  local i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if pg_ready; then break; fi
    sleep 1
  done
  pg_ready || pg_fail "PostgreSQL did not become ready within ${WAIT_SECONDS}s"
  pg_create_db
}

psql_admin() {
  "$BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

pg_create_db() {
  # Superuser so that pytest-django can create test databases and extensions (pg_trgm).
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE'")" ]]; then
    say "creating role $DB_ROLE"
    psql_admin -c "CREATE ROLE $DB_ROLE LOGIN SUPERUSER"
  fi
  # The application's role: no superuser, no BYPASSRLS, owns nothing (migrate grants it the
  # data privileges on every table).
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$APP_ROLE'")" ]]; then
    say "creating role $APP_ROLE"
    psql_admin -c "CREATE ROLE $APP_ROLE LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
  fi
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]]; then
    say "creating database $DB_NAME"
    psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE"
  fi
}

pg_stop() {
  BIN="$(pg_bindir)"
  if pg_running; then
    say "stopping PostgreSQL"
    as_pg "$BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  else
    say "PostgreSQL not running"
  fi
}

redis_ping() {
  [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]
}

redis_start() {
  command -v redis-server >/dev/null 2>&1 \
    || die "redis-server not found (run scripts/bootstrap.sh, or apt-get install redis-server)."
  mkdir -p "$REDIS_DIR"
  if redis_ping; then
    say "Redis already running on 127.0.0.1:$REDIS_PORT"
    return
  fi
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" --appendonly no || true
  local i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if redis_ping; then return; fi
    sleep 1
  done
  echo "--- last lines of $REDIS_LOG ---" >&2
  tail -n 20 "$REDIS_LOG" >&2 || true
  die "Redis did not answer PING within ${WAIT_SECONDS}s (log: $REDIS_LOG)"
}

redis_stop() {
  if ! redis_ping; then
    say "Redis not running"
    return
  fi
  say "stopping Redis"
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  local i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if ! redis_ping; then return; fi
    sleep 1
  done
  die "Redis did not stop within ${WAIT_SECONDS}s (pid file: $REDIS_PID)"
}

write_env() {
  mkdir -p "$LOCAL"
  local tmp="$LOCAL/env.tmp"
  {
    echo "# Written by scripts/services.sh; source it to reach the development services."
    printf 'export DATABASE_URL=%q\n' "$1"
    if [[ -n "$3" ]]; then printf 'export DATABASE_OWNER_URL=%q\n' "$3"; fi
    printf 'export REDIS_URL=%q\n' "$2"
  } >"$tmp"
  mv "$tmp" "$LOCAL/env"
  say "wrote $LOCAL/env"
}

cmd_start() {
  local db_url="$EXT_DATABASE_URL" owner_url="$EXT_DATABASE_OWNER_URL" redis_url="$EXT_REDIS_URL"
  if [[ -n "$db_url" ]]; then
    say "DATABASE_URL is set; not starting the local PostgreSQL"
  else
    pg_start
    db_url="$LOCAL_DATABASE_URL"
    owner_url="$LOCAL_DATABASE_OWNER_URL"
  fi
  if [[ -n "$redis_url" ]]; then
    say "REDIS_URL is set; not starting the local Redis"
  else
    redis_start
    redis_url="$LOCAL_REDIS_URL"
  fi
  write_env "$db_url" "$redis_url" "$owner_url"
}

cmd_stop() {
  pg_stop
  redis_stop
}

cmd_status() {
  local rc=0
  if [[ -f "$PG_DATA/PG_VERSION" ]] && BIN="$(pg_bindir)" && pg_running; then
    say "PostgreSQL: running on 127.0.0.1:$PG_PORT ($PG_DATA)"
  else
    say "PostgreSQL: stopped"
    rc=3
  fi
  if command -v redis-cli >/dev/null 2>&1 && redis_ping; then
    say "Redis:      running on 127.0.0.1:$REDIS_PORT ($REDIS_DIR)"
  else
    say "Redis:      stopped"
    rc=3
  fi
  if [[ -f "$LOCAL/env" ]]; then
    grep '^export' "$LOCAL/env" | sed 's/^/services: /'
  fi
  return "$rc"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
