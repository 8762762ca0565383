#!/usr/bin/env bash
# Runs a real search engine, single node, for the app's search tests: OpenSearch 2.19 by
# default, or Elasticsearch 8.19 with SEARCH_ENGINE=elasticsearch (both speak the search API
# subset the app uses). The distribution comes from Maven Central via search-dist.sh and runs
# on the host's Java 17 as the unprivileged user microblog-search (the engines refuse root).
#   opensearch.sh start   fetch once, start, wait for cluster health yellow/green, print URL
#   opensearch.sh stop    stop the engine (data kept; `opensearch.sh reset` removes it)
#   opensearch.sh status  exit 0 when cluster health is yellow or green
# Env: SEARCH_ENGINE (opensearch|elasticsearch), SEARCH_PORT (19200), SEARCH_TRANSPORT_PORT
#      (19300), OPENSEARCH_VERSION (2.19.6), ELASTICSEARCH_VERSION (8.19.21),
#      SEARCH_HEAP (512m), MICROBLOG_SERVICES_DIR, MICROBLOG_CACHE_DIR.
set -euo pipefail
SERVICE_NAME=opensearch
HERE="$(dirname "$(readlink -f "$0")")"
# shellcheck source=harness/services/lib.sh
. "$HERE/lib.sh"

ENGINE="${SEARCH_ENGINE:-opensearch}"
case "$ENGINE" in
  opensearch) VERSION="${OPENSEARCH_VERSION:-2.19.6}"; OPTS_VAR=OPENSEARCH_JAVA_OPTS;
    CONF_VAR=OPENSEARCH_PATH_CONF; HOME_VAR=OPENSEARCH_HOME ;;
  elasticsearch) VERSION="${ELASTICSEARCH_VERSION:-8.19.21}"; OPTS_VAR=ES_JAVA_OPTS;
    CONF_VAR=ES_PATH_CONF; HOME_VAR=ES_HOME ;;
  *) die "SEARCH_ENGINE='$ENGINE' is not supported; allowed: opensearch, elasticsearch" ;;
esac
SERVICE_NAME="$ENGINE"
WORK="$MICROBLOG_SERVICES_DIR/$ENGINE"
PORT="${SEARCH_PORT:-19200}"
TPORT="${SEARCH_TRANSPORT_PORT:-19300}"
HEAP="${SEARCH_HEAP:-512m}"
PIDFILE="$WORK/engine.pid"
LOG="$WORK/engine.out"
URL="http://127.0.0.1:$PORT"
RUN_USER=microblog-search

# up_or_dead: true once healthy, or once the engine's process has exited (checked after).
up_or_dead() { healthy || ! pid_alive "$PIDFILE"; }

healthy() {
  local h
  h="$(curl -sf "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null)" || return 1
  grep -qE '"status":"(yellow|green)"' <<<"$h"
}

java_home() {
  local j
  j="$(readlink -f "$(command -v java 2>/dev/null || true)" 2>/dev/null || true)"
  if [ -z "$j" ] || ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
    apt_install openjdk-17-jre-headless
    j="$(readlink -f /usr/lib/jvm/java-17-openjdk-amd64/bin/java)"
  fi
  dirname "$(dirname "$j")"
}

# prepare: a hard-linked copy of the cached distribution (the cache under /root is not
# readable by the run user) and a private, writable config directory.
prepare() {
  local dist="$1" run="$WORK/dist-$VERSION"
  id "$RUN_USER" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$RUN_USER"
  mkdir -p "$WORK"
  if [ ! -f "$run/.complete" ]; then
    rm -rf "$run" "$WORK/config"
    cp -al "$dist" "$run" 2>/dev/null || cp -a "$dist" "$run"
  fi
  if [ ! -d "$WORK/config" ]; then
    cp -a "$dist/config" "$WORK/config"
    # jvm.options names logs/ and data relative to the working directory; pin them here.
    sed -i -e "s#file=logs/#file=$WORK/logs/#" -e "s#ErrorFile=logs/#ErrorFile=$WORK/logs/#" \
      -e "s#HeapDumpPath=data#HeapDumpPath=$WORK/data#" "$WORK/config/jvm.options"
  fi
  mkdir -p "$WORK/data" "$WORK/logs" "$WORK/tmp"
  chown -R "$RUN_USER:$RUN_USER" "$WORK/config" "$WORK/data" "$WORK/logs" "$WORK/tmp"
  chmod 755 "$WORK"
  echo "$run"
}

start() {
  if healthy; then
    say "already running (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'))"
    say "ready: $URL ($ENGINE $VERSION)"
    return 0
  fi
  phase_start "fetch $ENGINE $VERSION"
  command -v curl >/dev/null || apt_install curl ca-certificates
  local dist jhome run
  dist="$("$HERE/search-dist.sh" "$ENGINE" "$VERSION")"
  jhome="$(java_home)"
  phase_end "$dist"
  phase_start "prepare $WORK"
  run="$(prepare "$dist")"
  phase_end
  if ! pid_alive "$PIDFILE"; then
    port_open 127.0.0.1 "$PORT" && die "port 127.0.0.1:$PORT is taken by another program"
    phase_start "start $ENGINE on 127.0.0.1:$PORT (heap $HEAP)"
    local security=()
    [ "$ENGINE" = elasticsearch ] && security=(-E xpack.security.enabled=false)
    # runuser keeps the pid of the engine's launcher; setsid detaches it from our caller.
    cd "$WORK/tmp"
    setsid env JAVA_HOME="$jhome" ES_JAVA_HOME="$jhome" OPENSEARCH_JAVA_HOME="$jhome" \
      "$OPTS_VAR=-Xms$HEAP -Xmx$HEAP" "$CONF_VAR=$WORK/config" "$HOME_VAR=$run" \
      OPENSEARCH_TMPDIR="$WORK/tmp" ES_TMPDIR="$WORK/tmp" \
      runuser -u "$RUN_USER" -- "$run/bin/$ENGINE" \
      -E discovery.type=single-node -E cluster.name=microblog-test \
      -E network.host=127.0.0.1 -E http.port="$PORT" -E transport.port="$TPORT" \
      -E path.data="$WORK/data" -E path.logs="$WORK/logs" "${security[@]}" \
      >>"$LOG" 2>&1 </dev/null 8>&- &
    echo $! >"$PIDFILE"
    phase_end "pid $(cat "$PIDFILE")"
  fi
  phase_start "wait for cluster health yellow/green"
  wait_until 180 "cluster health" up_or_dead || true
  if ! healthy; then
    tail -n 30 "$LOG" >&2 || true
    die "$ENGINE did not become healthy within 180s; log: $LOG"
  fi
  phase_end
  printf '%s\n' "$URL" >"$WORK/url"
  say "ready: $URL ($ENGINE $VERSION) ELASTICSEARCH_URL=$URL"
  say "url file: $WORK/url  log: $LOG"
}

stop() {
  if pid_alive "$PIDFILE"; then
    phase_start "stop $ENGINE"
    stop_pidfile "$PIDFILE" 60
    phase_end
  else
    say "not running"
  fi
}

status() { report_status "$URL ($ENGINE $VERSION)" healthy; }

service_main "$WORK" "start stop status reset" "${1:-}"
