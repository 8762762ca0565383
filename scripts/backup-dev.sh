#!/usr/bin/env bash
# Takes a backup of the dev stack's MySQL database now, through the stack's backup container,
# and prints the dump's name once it is written:
#
#   bash scripts/backup-dev.sh [--stack NAME] [--outputs-file FILE] [--timeout SECONDS]
#
# The container dumps whenever its last success marker is older than one interval; this
# removes the marker, so its next check (every few seconds) dumps, then waits for a new name in
# the marker it writes after a verified dump. Exit codes: 0 done, 1 failure or timeout, 2 usage.
set -euo pipefail
STACK="${MICROBLOG_STACK:-dev}"
OUTPUTS_FILE=""
TIMEOUT=180
SCRIPT=backup-dev
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
while [ $# -gt 0 ]; do
  case "$1" in
  --stack | --outputs-file | --timeout)
    [ $# -ge 2 ] || { sed -n '2,10p' "$0" >&2 && exit 2; }
    case "$1" in --stack) STACK="$2" ;; --outputs-file) OUTPUTS_FILE="$2" ;; *) TIMEOUT="$2" ;; esac
    shift
    ;;
  *) sed -n '2,10p' "$0" >&2 && exit 2 ;;
  esac
  shift
done
outputs="$(dev_stack_outputs "$STACK" "$OUTPUTS_FILE")" || die "cannot read stack $STACK"
ct="$(printf '%s' "$outputs" | node -e '
  const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(o.backupContainer ?? "")')"
[ -n "$ct" ] || die "stack $STACK has no backupContainer output: backups are off (config backups)"
before="$(docker exec "$ct" sh -c 'cat "$BACKUP_DIR/.last-name" 2>/dev/null || true')"
docker exec "$ct" sh -c 'rm -f "$BACKUP_DIR/.last-success"'
step "asked $ct for a dump; waiting up to ${TIMEOUT}s"
for ((i = 0; i < TIMEOUT; i++)); do
  now="$(docker exec "$ct" sh -c 'cat "$BACKUP_DIR/.last-name" 2>/dev/null || true')"
  ok="$(docker exec "$ct" sh -c 'cat "$BACKUP_DIR/.last-success" 2>/dev/null || true')"
  if [ -n "$ok" ] && [ -n "$now" ] && [ "$now" != "$before" ]; then
    step "written $now"
    exit 0
  fi
  sleep 1
done
docker logs --tail 5 "$ct" >&2 || true
die "no new dump within ${TIMEOUT}s"
