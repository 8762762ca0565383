#!/bin/sh
# Container entry point: apply migrations, retrying while the database is not reachable (bounded
# by DB_WAIT_TIMEOUT seconds in total, default 60), then exec the web server so it runs as PID 1
# and receives SIGTERM directly. Several replicas may boot at once: knex's migration lock lets
# one migrate while the others fail fast and retry here.
set -eu
cd "$(dirname "$0")"

timeout="${DB_WAIT_TIMEOUT:-60}"
case "$timeout" in
  '' | *[!0-9]*) echo "boot: DB_WAIT_TIMEOUT must be a whole number of seconds, got '$timeout'" >&2; exit 2 ;;
esac
start=$(date +%s)
attempt=1
delay=1
while :; do
  if node dist/cli.js migrate; then
    break
  else
    status=$?
  fi
  # Exit code 2 is a configuration error: retrying will not help.
  if [ "$status" -eq 2 ]; then
    echo "boot: configuration error, not retrying" >&2
    exit 2
  fi
  elapsed=$(( $(date +%s) - start ))
  if [ "$elapsed" -ge "$timeout" ]; then
    echo "boot: database still unavailable after ${elapsed}s (DB_WAIT_TIMEOUT=${timeout}); giving up" >&2
    exit 1
  fi
  echo "boot: migrate attempt ${attempt} failed; retrying in ${delay}s (${elapsed}s of ${timeout}s used)" >&2
  sleep "$delay"
  attempt=$((attempt + 1))
  delay=$((delay * 2))
  [ "$delay" -gt 5 ] && delay=5
done
echo "boot: starting web server"
# A small young generation keeps the resident set well under 200 MB under load; override with
# NODE_SERVER_FLAGS. (Same defaults as `npm start` and the benchmark.)
# shellcheck disable=SC2086
exec node ${NODE_SERVER_FLAGS:---max-semi-space-size=4 --max-old-space-size=144} dist/server.js
