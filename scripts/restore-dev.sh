#!/usr/bin/env bash
# Restores the dev stack's MySQL database from one of the backup container's dumps, then
# rebuilds the search index from it. One command:
#
#   bash scripts/restore-dev.sh [--backup NAME] [--force] [--yes] [--dry-run] [--stack NAME]
#
# It finds the containers through `pulumi stack output` (containerNames, backupContainer,
# backupVolume), lists the dumps, takes the latest (or --backup NAME), shows the plan with the
# database's current counts, and asks before it changes anything (--yes: no question). It
# refuses when the database holds posts newer than the dump (they would be lost) unless
# --force. Then: stop the app, load the dump through the MySQL container (`docker exec -i …
# mysql`, as root, whose password never leaves that container), start the app, wait until it
# is healthy, run `node dist/cli.js reindex` in it, and report users and posts before and after.
# --dry-run prints the plan and stops. --outputs-file FILE reads the stack outputs from a JSON
# file instead of Pulumi (`pulumi stack output --json` written earlier).
# Exit codes: 0 done (or dry run), 1 failure, 2 usage, 3 refused (newer posts, no confirmation).
set -euo pipefail

STACK="${MICROBLOG_STACK:-dev}"
HEALTH_TIMEOUT="${MICROBLOG_RESTORE_HEALTH_TIMEOUT:-300}"

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}
SCRIPT=restore-dev
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
restore_options "$@"

outputs="$(dev_stack_outputs "$STACK" "$OUTPUTS_FILE")" || die "cannot read the outputs of stack $STACK"
# One line each: mysql container, app container, backup container, backup volume (or dir).
mapfile -t names < <(
  printf '%s' "$outputs" | node -e '
    const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const c = o.containerNames ?? {};
    for (const v of [c.mysql, c.app, o.backupContainer, o.backupVolume]) console.log(v ?? "");
  '
)
MYSQL_CT="${names[0]:-}"
APP_CT="${names[1]:-}"
BACKUP_CT="${names[2]:-}"
BACKUP_AT="${names[3]:-}"
if [ -z "$MYSQL_CT" ] || [ -z "$APP_CT" ]; then
  die "stack $STACK has no containerNames output; is it deployed?"
fi
[ -n "$BACKUP_CT" ] || die "stack $STACK has no backupContainer output: backups are off (config backups)"

DUMP_RE='^microblog-[0-9]{8}T[0-9]{6}Z\.sql\.gz$'
mapfile -t dumps < <(
  docker exec "$BACKUP_CT" sh -c 'ls -1 /backups' | while read -r f; do
    if [[ "$f" =~ $DUMP_RE ]]; then echo "$f"; fi
  done | sort
)
[ "${#dumps[@]}" -gt 0 ] || die "no backups in $BACKUP_AT (container $BACKUP_CT)"
pick_backup "$BACKUP_AT" "${dumps[@]}"
# microblog-20260102T030405Z.sql.gz → 2026-01-02 03:04:05 UTC
stamp="${BACKUP#microblog-}"
stamp="${stamp%Z.sql.gz}"
taken="${stamp:0:4}-${stamp:4:2}-${stamp:6:2} ${stamp:9:2}:${stamp:11:2}:${stamp:13:2}"
taken_epoch="$(date -u -d "$taken" +%s)"

# SQL through the MySQL container as root; the client is mysql (MySQL) or mariadb (MariaDB).
mysql_in() {
  # shellcheck disable=SC2016 # expanded inside the container
  docker exec -i "$MYSQL_CT" sh -c 'MYSQL_PWD="$(cat /run/secrets/mysql_root_password)" exec "$(command -v mariadb || command -v mysql)" -uroot "$@"' sh "$@"
}
# "users posts newest-post-ms", or "- - 0" when the tables do not exist yet.
counts() {
  echo 'SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts), (SELECT COALESCE(MAX(created_at), 0) FROM posts);' |
    mysql_in -N -B microblog 2>/dev/null | tr '\t' ' ' || echo "- - 0"
}
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S UTC'; }

read -r users_before posts_before newest_ms <<<"$(counts)"
newest_epoch=$((${newest_ms:-0} / 1000))
echo "restore-dev: stack $STACK"
echo "  backup:   $BACKUP (taken $taken UTC), ${#dumps[@]} available in $BACKUP_AT"
if [ "$newest_epoch" -gt 0 ]; then
  echo "  now:      $users_before users, $posts_before posts, newest post $(utc "$newest_epoch")"
else
  echo "  now:      $users_before users, $posts_before posts"
fi
echo "  plan:     1. stop $APP_CT"
echo "            2. load $BACKUP into database microblog through $MYSQL_CT (tables in the dump are replaced)"
echo "            3. start $APP_CT and wait until it is healthy"
echo "            4. rebuild the search index: node dist/cli.js reindex in $APP_CT"
echo "            5. count users and posts again"

if [ "$newest_epoch" -gt "$taken_epoch" ]; then
  if [ "$FORCE" = 1 ]; then
    echo "  WARNING:  posts newer than the backup ($(utc "$newest_epoch")) will be lost (--force)"
  else
    echo "restore-dev: refused: the database holds posts newer than the backup (newest $(utc "$newest_epoch")); they would be lost. Pass --force to restore anyway." >&2
    exit 3
  fi
fi
if [ "$DRY_RUN" = 1 ]; then
  echo "restore-dev: dry run, nothing changed"
  exit 0
fi
confirm "Restore $BACKUP into $MYSQL_CT?"

started=$(date +%s)
echo "restore-dev: stopping $APP_CT (no writes during the restore)"
docker stop "$APP_CT" >/dev/null
# The app comes back whatever happens from here on.
trap 'docker start "$APP_CT" >/dev/null 2>&1 || true' EXIT
echo "restore-dev: loading $BACKUP"
# shellcheck disable=SC2016 # expanded inside the container
docker exec "$BACKUP_CT" sh -c 'gzip -dc "/backups/$1"' sh "$BACKUP" | mysql_in microblog
echo "restore-dev: starting $APP_CT"
docker start "$APP_CT" >/dev/null
deadline=$(($(date +%s) + HEALTH_TIMEOUT))
while :; do
  health="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$APP_CT")"
  [ "$health" = healthy ] && break
  [ "$(date +%s)" -lt "$deadline" ] || die "$APP_CT not healthy after ${HEALTH_TIMEOUT} s (last: ${health:-none})"
  sleep 2
done
trap - EXIT
echo "restore-dev: rebuilding the search index"
docker exec "$APP_CT" node dist/cli.js reindex
read -r users_after posts_after _ <<<"$(counts)"
echo "restore-dev: restored $BACKUP in $(($(date +%s) - started)) s"
echo "  users: $users_before -> $users_after"
echo "  posts: $posts_before -> $posts_after"
