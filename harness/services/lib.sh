#!/usr/bin/env bash
# Shared helpers for the test-service scripts in this folder. Sourced, not run.
# Every service keeps its state and log under $MICROBLOG_SERVICES_DIR/<name>.

MICROBLOG_SERVICES_DIR="${MICROBLOG_SERVICES_DIR:-/tmp/microblog-services}"
MICROBLOG_CACHE_DIR="${MICROBLOG_CACHE_DIR:-$HOME/.cache/microblog}"

# Seconds since the epoch with millisecond precision, for phase timings.
_ms_now() { date +%s%3N; }

# phase_start NAME: remember when the named phase began.
phase_start() {
  _PHASE_NAME="$1"
  _PHASE_T0="$(_ms_now)"
}

# phase_end [NOTE]: print one progress line for the phase begun last, with its duration.
phase_end() {
  local t1 dt
  t1="$(_ms_now)"
  dt=$((t1 - _PHASE_T0))
  printf '[%s] %s: done in %d.%01ds%s\n' "${SERVICE_NAME:-services}" "$_PHASE_NAME" \
    $((dt / 1000)) $(((dt % 1000) / 100)) "${1:+ ($1)}"
}

# say MSG: one line of progress, tagged with the service name.
say() { printf '[%s] %s\n' "${SERVICE_NAME:-services}" "$*"; }

# die MSG: print MSG on stderr and exit 1.
die() {
  printf '[%s] ERROR: %s\n' "${SERVICE_NAME:-services}" "$*" >&2
  exit 1
}

# apt_install PKG...: install Debian packages that are missing; waits for a dpkg lock held by
# someone else instead of failing.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null ||
      die "apt-get update failed"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# wait_until TIMEOUT_S LABEL CMD...: run CMD every half second until it succeeds (return 0)
# or TIMEOUT_S seconds pass (return 1). LABEL only tells the reader what is awaited.
wait_until() {
  local timeout="$1" deadline
  shift 2
  deadline=$(($(date +%s) + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.5
  done
  return 0
}

# pid_alive PIDFILE: true when the pid file names a live process.
pid_alive() {
  [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# stop_pidfile PIDFILE [TIMEOUT_S]: TERM the process named in PIDFILE, wait, then KILL.
stop_pidfile() {
  local pidfile="$1" timeout="${2:-30}" pid i
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "process $pid did not stop in ${timeout}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# lock_service DIR: hold an exclusive lock on DIR/.lock (fd 8) until this script exits, so two
# callers starting or stopping the same service at once take turns. Daemons must not inherit
# fd 8 (start them with 8>&-), or they would hold the lock for their whole life.
lock_service() {
  mkdir -p "$1"
  exec 8>"$1/.lock"
  if ! flock -n 8; then
    say "another caller is starting or stopping this service; waiting"
    flock 8
  fi
}

# report_status DESCRIPTION CHECK...: says "running: DESCRIPTION" when CHECK succeeds, else says
# "not running" and fails (the `status` command of every service).
report_status() {
  local what=$1
  shift
  if "$@"; then
    say "running: $what"
  else
    say "not running"
    return 1
  fi
}

# service_main WORK "CMD..." CMD: runs one command of a service script: the shell function named
# after it, or `reset` (stop, then remove WORK). start, stop and reset take the service's lock.
service_main() {
  local work=$1 allowed=$2 cmd=${3:-}
  case " $allowed " in
    *" $cmd "*) ;;
    *) die "usage: $0 ${allowed// /|}" ;;
  esac
  case "$cmd" in
    start | stop | reset) lock_service "$work" ;;
  esac
  case "$cmd" in
    reset) stop && rm -rf "$work" && say "removed $work" ;;
    *) "$cmd" ;;
  esac
}
