#!/usr/bin/env bash
# Runs the app's whole check with real services: installs dependencies (npm ci, skipped when
# node_modules already matches package-lock.json), lint, then every test suite — SQLite and
# MariaDB route tests, search (OpenSearch), mail (SMTP), browser journey (Chromium).
# Services come from ../harness/services/*.sh; the ones this script starts, it stops again.
# Env: SKIP_SERVICES=1 runs only what needs no service; KEEP_SERVICES=1 leaves them running;
#      ALSO_ELASTICSEARCH=1 also runs the search suite against Elasticsearch 8 (port 19201).
set -euo pipefail
APP="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
SERVICES="$APP/../harness/services"
SERVICES_DIR="${MICROBLOG_SERVICES_DIR:-/tmp/microblog-services}"
cd "$APP"

t0=0
phase_start() { PHASE="$1"; t0=$(date +%s%3N); }
phase_end() {
  local dt=$(($(date +%s%3N) - t0))
  printf '[app-test] %s: done in %d.%01ds%s\n' "$PHASE" $((dt / 1000)) $(((dt % 1000) / 100)) "${1:+ ($1)}"
}
die() { printf '[app-test] ERROR: %s\n' "$*" >&2; exit 1; }

STARTED=()
cleanup() {
  [ "${KEEP_SERVICES:-0}" = 1 ] && return 0
  local s
  for s in "${STARTED[@]}"; do bash "$SERVICES/$s.sh" stop >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

command -v node >/dev/null || die "node is not installed (Node 20.18+ required)"

# ---- dependencies ----
phase_start "npm ci"
stamp="node_modules/.microblog-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  phase_end "node_modules matches package-lock.json, skipped"
else
  # better-sqlite3 compiles against the local Node headers when they are installed.
  if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
  npm ci --no-audit --no-fund --loglevel=warn || die "npm ci failed"
  printf '%s\n' "$want" >"$stamp"
  phase_end
fi

phase_start "lint (tsc, eslint, prettier)"
npm run -s lint >/dev/null || { npm run -s lint; die "lint failed"; }
phase_end

# ---- services ----
# start_service NAME: starts harness/services/NAME.sh unless it already answers.
start_service() {
  local name="$1"
  [ -f "$SERVICES/$name.sh" ] || { echo "[app-test] $SERVICES/$name.sh not found; its tests will be skipped"; return 1; }
  if bash "$SERVICES/$name.sh" status >/dev/null 2>&1; then
    echo "[app-test] $name already running (left running afterwards)"
    return 0
  fi
  phase_start "start $name"
  bash "$SERVICES/$name.sh" start >"$SERVICES_DIR/app-test-$name.log" 2>&1 ||
    { tail -20 "$SERVICES_DIR/app-test-$name.log" >&2; die "could not start $name"; }
  STARTED+=("$name")
  phase_end
}

mkdir -p "$SERVICES_DIR"
if [ "${SKIP_SERVICES:-0}" != 1 ]; then
  if start_service mariadb; then
    TEST_MYSQL_URL="$(cat "$SERVICES_DIR/mariadb/url")"
    TEST_MYSQL_ROTATION_URL="$(cat "$SERVICES_DIR/mariadb/rotation-url")"
    export TEST_MYSQL_URL TEST_MYSQL_ROTATION_URL
  fi
  if start_service smtp; then
    export TEST_SMTP_HOST=127.0.0.1 TEST_SMTP_PORT="${SMTP_PORT:-2525}"
    export TEST_SMTP_MAILDIR="$SERVICES_DIR/smtp/Maildir"
  fi
  if start_service opensearch; then
    TEST_SEARCH_URL="$(cat "$SERVICES_DIR/opensearch/url")"
    export TEST_SEARCH_URL
  fi
  # A Chrome or Chromium already installed is used (GitHub's Ubuntu runners ship google-chrome;
  # Ubuntu's chromium package is a snap wrapper); Debian's chromium is installed otherwise.
  for browser in chromium google-chrome chromium-browser; do
    if [ -z "${CHROMIUM_PATH:-}" ] && command -v "$browser" >/dev/null; then
      CHROMIUM_PATH="$(command -v "$browser")"
      export CHROMIUM_PATH
    fi
  done
  if [ -z "${CHROMIUM_PATH:-}" ]; then
    phase_start "install chromium"
    if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
      apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || die "apt-get update failed"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium \
      >/dev/null || die "apt-get install chromium failed"
    phase_end
  fi
fi

# ---- tests ----
phase_start "tests"
echo "[app-test] TEST_MYSQL_URL=${TEST_MYSQL_URL:+set} TEST_SEARCH_URL=${TEST_SEARCH_URL:-unset} TEST_SMTP_HOST=${TEST_SMTP_HOST:-unset}"
npm test || die "tests failed"
phase_end

if [ "${ALSO_ELASTICSEARCH:-0}" = 1 ] && [ "${SKIP_SERVICES:-0}" != 1 ]; then
  es_env=(SEARCH_ENGINE=elasticsearch SEARCH_PORT=19201 SEARCH_TRANSPORT_PORT=19301)
  phase_start "start elasticsearch"
  env "${es_env[@]}" bash "$SERVICES/opensearch.sh" start >"$SERVICES_DIR/app-test-elasticsearch.log" 2>&1 ||
    { tail -20 "$SERVICES_DIR/app-test-elasticsearch.log" >&2; die "could not start elasticsearch"; }
  phase_end
  phase_start "search tests on elasticsearch"
  TEST_SEARCH_URL=http://127.0.0.1:19201 node --import tsx --test --test-reporter=spec test/search.test.ts ||
    die "search tests failed on elasticsearch"
  phase_end
  [ "${KEEP_SERVICES:-0}" = 1 ] || env "${es_env[@]}" bash "$SERVICES/opensearch.sh" stop >/dev/null 2>&1 || true
fi
