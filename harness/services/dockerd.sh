#!/usr/bin/env bash
# Runs a real Docker engine (Debian's docker.io dockerd) for the end-to-end tests.
#   dockerd.sh start   install docker.io if needed, start dockerd, wait for `docker info`
#   dockerd.sh stop    stop the daemon this script started (a daemon it did not start is left)
#   dockerd.sh status  exit 0 when a daemon answers on the socket
# Env: DOCKERD_DATA_ROOT (default /var/lib/docker, so image caches survive runs),
#      MICROBLOG_SERVICES_DIR (default /tmp/microblog-services).
set -euo pipefail
SERVICE_NAME=dockerd
# shellcheck source=harness/services/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

WORK="$MICROBLOG_SERVICES_DIR/dockerd"
PIDFILE="$WORK/dockerd.pid"
LOG="$WORK/dockerd.log"
DATA_ROOT="${DOCKERD_DATA_ROOT:-/var/lib/docker}"
SOCK=/var/run/docker.sock
export DOCKER_HOST="unix://$SOCK"

docker_ok() { docker info >/dev/null 2>&1; }

print_details() {
  say "ready: DOCKER_HOST=unix://$SOCK ($(docker version -f 'server {{.Server.Version}}' 2>/dev/null), storage $(docker info -f '{{.Driver}}' 2>/dev/null), data root $(docker info -f '{{.DockerRootDir}}' 2>/dev/null))"
  say "log: $LOG"
}

start() {
  if docker_ok; then
    say "a Docker daemon already answers on $SOCK; using it"
    print_details
    return 0
  fi
  phase_start "install docker.io"
  command -v dockerd >/dev/null || apt_install docker.io
  apt_install iptables
  command -v docker >/dev/null || die "no docker client on PATH"
  phase_end
  mkdir -p "$WORK" "$DATA_ROOT"
  if pid_alive "$PIDFILE"; then
    say "dockerd (pid $(cat "$PIDFILE")) is starting; waiting for it"
  else
    phase_start "start dockerd"
    # setsid: the daemon must outlive this script and its caller's process group.
    setsid dockerd --data-root "$DATA_ROOT" --host "unix://$SOCK" \
      --pidfile "$WORK/dockerd.self.pid" >>"$LOG" 2>&1 </dev/null 8>&- &
    echo $! >"$PIDFILE"
    phase_end "pid $(cat "$PIDFILE")"
  fi
  phase_start "wait for docker info"
  if ! wait_until 90 "docker info" docker_ok; then
    tail -n 30 "$LOG" >&2 || true
    die "dockerd did not answer within 90s; log: $LOG"
  fi
  phase_end
  print_details
}

stop() {
  if pid_alive "$PIDFILE"; then
    phase_start "stop dockerd"
    stop_pidfile "$PIDFILE" 60
    phase_end
  elif docker_ok; then
    say "the running daemon was not started by this script; leaving it"
  else
    say "not running"
  fi
}

status() { report_status "$(docker version -f '{{.Server.Version}}' 2>/dev/null)" docker_ok; }

service_main "$WORK" "start stop status" "${1:-}"
