#!/bin/sh
# Container entry point: apply migrations, retrying while the database is not reachable (bounded
# by DB_WAIT_TIMEOUT seconds in total, default 60), then exec the web server so it runs as PID 1
# and receives SIGTERM directly. Several replicas may boot at once: knex's migration lock lets
# one migrate while the others wait for it (MIGRATION_LOCK_TIMEOUT, default 30 s). A lock that
# stays held ends the boot with exit code 3 and says how to clear it (`node dist/cli.js unlock`).
# SIGTERM/SIGINT during the migrate loop stop it at once (exit 143/130).
set -eu
cd "$(dirname "$0")"

timeout="${DB_WAIT_TIMEOUT:-60}"
case "$timeout" in
  '' | *[!0-9]*) echo "boot: DB_WAIT_TIMEOUT must be a whole number of seconds, got '$timeout'" >&2; exit 2 ;;
esac
start=$(date +%s)
attempt=1
delay=1

# As PID 1 (in a container) sh ignores SIGTERM and SIGINT unless it traps them, so a stop
# request would wait for the whole migrate loop. Children run in the background and the script
# `wait`s for them: a trapped signal interrupts `wait` at once, stops the child and exits.
child=""
stop() {
  echo "boot: $1 received while migrating; stopping" >&2
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
  exit "$2"
}
trap 'stop SIGTERM 143' TERM
trap 'stop SIGINT 130' INT
# run CMD...: runs CMD in the background, waits for it, returns its exit status.
run() {
  "$@" &
  child=$!
  rc=0
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

while :; do
  if run node dist/cli.js migrate; then
    break
  else
    status=$?
  fi
  # Exit code 2 is a configuration error: retrying will not help.
  if [ "$status" -eq 2 ]; then
    echo "boot: configuration error, not retrying" >&2
    exit 2
  fi
  # Exit code 3: the database answered but the migration lock stayed held (see the message).
  if [ "$status" -eq 3 ]; then
    echo "boot: the migration lock (table knex_migrations_lock) is held; not retrying" >&2
    exit 3
  fi
  elapsed=$(( $(date +%s) - start ))
  if [ "$elapsed" -ge "$timeout" ]; then
    echo "boot: database still unavailable after ${elapsed}s (DB_WAIT_TIMEOUT=${timeout}); giving up" >&2
    exit 1
  fi
  echo "boot: migrate attempt ${attempt} failed; retrying in ${delay}s (${elapsed}s of ${timeout}s used)" >&2
  run sleep "$delay" || true
  attempt=$((attempt + 1))
  delay=$((delay * 2))
  [ "$delay" -gt 5 ] && delay=5
done
# The server handles SIGTERM itself (graceful drain): give the signals back before exec.
trap - TERM INT
# Arguments: a one-off command after the migrations instead of the server (an ECS task's command
# override, which cannot replace the entry point), e.g. `node dist/cli.js reindex`.
if [ "$#" -gt 0 ]; then
  echo "boot: running $*"
  exec "$@"
fi
echo "boot: starting web server"
# A small young generation keeps the resident set well under 200 MB under load; override with
# NODE_SERVER_FLAGS. (Same defaults as `npm start` and the benchmark.)
# shellcheck disable=SC2086
exec node ${NODE_SERVER_FLAGS:---max-semi-space-size=4 --max-old-space-size=144} dist/server.js
