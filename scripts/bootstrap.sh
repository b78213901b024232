#!/usr/bin/env bash
# Idempotent set-up for development and tests; make runs it before every target that needs it.
#
#   scripts/bootstrap.sh [--with-browser]
#
# 1. System packages (Debian): PostgreSQL server + contrib (pg_trgm), Redis, gettext, and with
#    --with-browser Chromium for the Playwright tests. Installed with apt-get when run as root;
#    otherwise the missing packages are named and the script stops.
#    PostgreSQL / Redis are skipped when DATABASE_URL / REDIS_URL point elsewhere.
# 2. Python: .venv from the hashed lock requirements/dev.txt, redone only when it changes.
# 3. Translations: compilemessages when locale/ exists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WITH_BROWSER=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=1 ;;
    *)
      echo "usage: $0 [--with-browser]" >&2
      exit 2
      ;;
  esac
done

say() { echo "bootstrap: $*"; }

# --- 1. System packages ---------------------------------------------------------------------

have_pg_server() {
  local dir
  dir="$(pg_config --bindir 2>/dev/null || true)"
  { [[ -n "$dir" && -x "$dir/initdb" ]] || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; } \
    && compgen -G "/usr/share/postgresql/*/extension/pg_trgm.control" >/dev/null
}

missing=()
if [[ -z "${DATABASE_URL:-}" ]] && ! have_pg_server; then
  missing+=(postgresql postgresql-contrib)
fi
if [[ -z "${REDIS_URL:-}" ]] && ! { command -v redis-server && command -v redis-cli; } >/dev/null; then
  missing+=(redis-server)
fi
if ! command -v msgfmt >/dev/null; then
  missing+=(gettext)
fi
if [[ $WITH_BROWSER -eq 1 ]] && ! command -v chromium >/dev/null; then
  missing+=(chromium)
fi
# Japanese glyphs in browser-test screenshots (Chromium shows empty boxes without a CJK font).
if [[ $WITH_BROWSER -eq 1 ]] && ! dpkg -s fonts-ipafont-gothic >/dev/null 2>&1; then
  missing+=(fonts-ipafont-gothic)
fi
# Debian's python3 needs python3-venv (ensurepip and its wheels) to create a virtualenv.
if [[ ! -x .venv/bin/python ]] && ! python3 -c 'import ensurepip; ensurepip.version()' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $EUID -ne 0 ]]; then
    echo "bootstrap: missing system packages; run 'sudo apt-get install -y ${missing[*]}' and try again." >&2
    exit 1
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y "${missing[@]}"
else
  say "system packages present"
fi

# --- 2. Python environment ------------------------------------------------------------------

if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv with $(python3 --version)"
  python3 -m venv .venv
fi

# The exact versions of requirements/dev.txt (runtime + development), each checked against its
# hash; the project itself is then linked in without touching them. `make lock` re-locks.
STAMP=.venv/.installed
if [[ ! -f "$STAMP" || requirements/dev.txt -nt "$STAMP" || pyproject.toml -nt "$STAMP" ]]; then
  say "installing Python dependencies from requirements/dev.txt (a few minutes the first time)"
  .venv/bin/python -m pip install --disable-pip-version-check --require-hashes --no-deps \
    -r requirements/dev.txt
  .venv/bin/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
  touch "$STAMP"
else
  say "Python dependencies up to date (requirements/dev.txt unchanged since last install)"
fi

# --- 3. Front-end libraries (served by Django itself: no CDN) -------------------------------

NPM_STAMP=node_modules/.installed
if [[ -f package-lock.json ]] && [[ ! -f "$NPM_STAMP" || package-lock.json -nt "$NPM_STAMP" ]]; then
  command -v npm >/dev/null || { echo "bootstrap: npm is needed for the charting library; apt-get install -y npm" >&2; exit 1; }
  say "installing front-end libraries (chart.js, htmx) with npm ci"
  npm ci --no-audit --no-fund --ignore-scripts
  touch "$NPM_STAMP"
fi

# --- 4. Translations ------------------------------------------------------------------------

if compgen -G "locale/*/LC_MESSAGES/django.po" >/dev/null || compgen -G "*/locale/*/LC_MESSAGES/django.po" >/dev/null; then
  say "compiling translations"
  # Importing the settings requires both URLs; compilemessages never connects, so placeholders
  # do when the services have not been set up yet.
  DATABASE_URL="${DATABASE_URL:-postgres://unused@127.0.0.1/unused}" \
    REDIS_URL="${REDIS_URL:-redis://127.0.0.1/0}" \
    .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=.local
fi

say "done"
