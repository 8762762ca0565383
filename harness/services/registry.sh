#!/usr/bin/env bash
# Runs a real image registry (Debian's docker-registry, distribution 2.8) on 127.0.0.1:5001
# with htpasswd (bcrypt) basic auth, for testing the image push path. The Docker daemon
# talks plain HTTP to registries on 127.0.0.0/8, so no TLS is needed.
#   registry.sh start   install if needed, write config and htpasswd, start, wait for /v2/
#   registry.sh stop    stop it (pushed images kept; `registry.sh reset` removes them)
#   registry.sh status  exit 0 when /v2/ answers
#   registry.sh verify  docker login, push, pull and logout against it (needs dockerd)
# Env: REGISTRY_USER (microblog), REGISTRY_PASSWORD (microblog-registry-pw),
#      REGISTRY_PORT (5001), MICROBLOG_SERVICES_DIR (/tmp/microblog-services).
set -euo pipefail
SERVICE_NAME=registry
HERE="$(dirname "$(readlink -f "$0")")"
# shellcheck source=harness/services/lib.sh
. "$HERE/lib.sh"

WORK="$MICROBLOG_SERVICES_DIR/registry"
PORT="${REGISTRY_PORT:-5001}"
ADDR="127.0.0.1:$PORT"
REG_USER="${REGISTRY_USER:-microblog}"
REG_PASSWORD="${REGISTRY_PASSWORD:-microblog-registry-pw}"
PIDFILE="$WORK/registry.pid"
LOG="$WORK/registry.log"

# /v2/ answers 401 to anonymous clients and 200 with the right credentials.
answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/v2/")" = 401 ]; }

write_config() {
  mkdir -p "$WORK/data"
  htpasswd -Bbn "$REG_USER" "$REG_PASSWORD" >"$WORK/htpasswd.new" 2>/dev/null ||
    die "htpasswd failed"
  mv "$WORK/htpasswd.new" "$WORK/htpasswd"
  cat >"$WORK/config.yml" <<YAML
version: 0.1
log:
  level: info
  fields:
    service: microblog-test-registry
storage:
  filesystem:
    rootdirectory: $WORK/data
  delete:
    enabled: true
http:
  addr: $ADDR
  secret: $(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: microblog-test-registry
    path: $WORK/htpasswd
YAML
  chmod 600 "$WORK/config.yml" "$WORK/htpasswd"
}

print_details() {
  say "ready: server $ADDR (http), user $REG_USER, password from REGISTRY_PASSWORD"
  say "  e.g. docker login $ADDR -u $REG_USER --password-stdin; image names $ADDR/<name>:<tag>"
  say "log: $LOG"
}

start() {
  phase_start "install docker-registry and apache2-utils"
  command -v docker-registry >/dev/null || apt_install docker-registry
  command -v htpasswd >/dev/null || apt_install apache2-utils
  command -v curl >/dev/null || apt_install curl
  phase_end
  mkdir -p "$WORK"
  if pid_alive "$PIDFILE" && answers; then
    if htpasswd -vb "$WORK/htpasswd" "$REG_USER" "$REG_PASSWORD" >/dev/null 2>&1; then
      say "already running (pid $(cat "$PIDFILE"))"
      print_details
      return 0
    fi
    say "credentials changed; restarting with the new ones"
    stop_pidfile "$PIDFILE" 15
  fi
  port_open 127.0.0.1 "$PORT" && die "port $ADDR is taken by another program"
  phase_start "start docker-registry on $ADDR"
  write_config
  setsid docker-registry serve "$WORK/config.yml" >>"$LOG" 2>&1 </dev/null 8>&- &
  echo $! >"$PIDFILE"
  if ! wait_until 30 "registry /v2/" answers; then
    tail -n 20 "$LOG" >&2 || true
    die "docker-registry did not answer on http://$ADDR/v2/ within 30s; log: $LOG"
  fi
  phase_end "pid $(cat "$PIDFILE")"
  printf '%s\n' "$ADDR" >"$WORK/address"
  print_details
}

verify() {
  answers || die "registry is not running; run '$0 start' first"
  docker info >/dev/null 2>&1 || die "no Docker daemon; run harness/services/dockerd.sh start"
  local base="${VERIFY_BASE_IMAGE:-microblog-e2e/debian:bookworm}" dst="$ADDR/microblog-e2e/verify:$$"
  docker image inspect "$base" >/dev/null 2>&1 ||
    die "image $base is missing; build it with harness/images/build.sh debian"
  # A private client config, so root's ~/.docker/config.json is never touched.
  export DOCKER_CONFIG="$WORK/docker-config"
  mkdir -p "$DOCKER_CONFIG"
  # An image with one layer of its own, so the pull below has to download it.
  local c="microblog-registry-verify-$$" id
  # Whatever happens below, leave no container or tag behind.
  trap 'docker rm -f "'"$c"'" >/dev/null 2>&1; docker rmi "'"$dst"'" >/dev/null 2>&1; true' EXIT
  docker run --name "$c" "$base" sh -c 'head -c 1048576 /dev/urandom > /stamp' >/dev/null
  docker commit "$c" "$dst" >/dev/null
  docker rm "$c" >/dev/null
  id="$(docker image inspect -f '{{.Id}}' "$dst")"
  phase_start "anonymous push is refused"
  if docker push "$dst" >/dev/null 2>&1; then die "push without login succeeded"; fi
  phase_end
  phase_start "docker login $ADDR"
  printf '%s' "$REG_PASSWORD" | docker login "$ADDR" -u "$REG_USER" --password-stdin \
    >/dev/null 2>&1 || die "docker login failed"
  phase_end
  phase_start "push $dst"
  docker push "$dst" >/dev/null || die "docker push failed"
  phase_end
  phase_start "pull $dst after deleting it locally"
  docker rmi "$dst" >/dev/null
  docker image inspect "$id" >/dev/null 2>&1 && die "image $id still present after rmi"
  docker pull "$dst" >/dev/null || die "docker pull failed"
  [ "$(docker image inspect -f '{{.Id}}' "$dst")" = "$id" ] ||
    die "pulled image differs from the pushed one"
  docker logout "$ADDR" >/dev/null
  phase_end
  say "verified: login, push and pull work against $ADDR"
}

stop() {
  if pid_alive "$PIDFILE"; then
    phase_start "stop docker-registry"
    stop_pidfile "$PIDFILE" 15
    phase_end
  else
    say "not running"
  fi
}

registry_up() { pid_alive "$PIDFILE" && answers; }
status() { report_status "$ADDR" registry_up; }

service_main "$WORK" "start stop status verify reset" "${1:-}"
