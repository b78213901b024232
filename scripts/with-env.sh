#!/usr/bin/env bash
# Run a command from the repository root with the development environment:
# DATABASE_URL / DATABASE_OWNER_URL / REDIS_URL from .local/env (written by scripts/services.sh) unless the caller
# already set them, and .venv/bin first on PATH (for honcho's Procfile commands).
#
#   scripts/with-env.sh COMMAND [ARGS...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

caller_database_url="${DATABASE_URL:-}"
caller_database_owner_url="${DATABASE_OWNER_URL:-}"
caller_redis_url="${REDIS_URL:-}"
if [[ -f .local/env ]]; then
  # shellcheck source=/dev/null
  source .local/env
fi
if [[ -n "$caller_database_url" ]]; then
  # The caller's database: its owner is the caller's too (unset: the same role).
  export DATABASE_URL="$caller_database_url"
  if [[ -n "$caller_database_owner_url" ]]; then
    export DATABASE_OWNER_URL="$caller_database_owner_url"
  else
    unset DATABASE_OWNER_URL
  fi
fi
if [[ -n "$caller_redis_url" ]]; then export REDIS_URL="$caller_redis_url"; fi

export PATH="$ROOT/.venv/bin:$PATH"
exec "$@"
