// The MySQL backup job as POSIX shell, run by the MySQL image itself (it ships mysqldump; MariaDB
// images ship mariadb-dump and, up to 10.x, mysqldump too). Target-neutral: the local renderer
// runs `loop` as a long-lived container, the ECS renderer runs `once` as a scheduled task and
// uploads the dump with `upload` from the AWS CLI image. Everything the scripts need comes from
// the environment `backupEnv` builds, so the scripts themselves are constants.

/** Directory inside the backup container (or task) that holds the dumps. */
export const BACKUP_DIR = "/backups";
/** File holding the Unix time of the last successful dump (health and schedule read it). */
export const LAST_SUCCESS = ".last-success";
/** File holding the file name of the last successful dump. */
export const LAST_NAME = ".last-name";
/** Dump file names: `microblog-<UTC time>.sql.gz`, so names sort by time. */
export const DUMP_PATTERN = /^microblog-[0-9]{8}T[0-9]{6}Z\.sql\.gz$/;
/**
 * Attempts of one dump before it counts as failed; the pause between them starts at
 * `$BACKUP_RETRY_SECONDS` (default 5) and doubles: 5 + 10 + 20 s. Most failures pass: the app
 * migrating a table under the dump's snapshot ("Table definition has changed, please retry
 * transaction", seen when the job's first dump meets the app's first start), MySQL restarting.
 */
export const DUMP_ATTEMPTS = 4;
/** Seconds the loop waits after a dump failed every attempt before it tries again. */
export const RETRY_SECONDS = 300;
/** Seconds between the loop's checks whether a dump is due. */
export const TICK_SECONDS = 5;

/** What the scripts read from their environment. */
export interface BackupEnvInputs {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly intervalMinutes: number;
  readonly retain: number;
}

/** Plain env of the dump container (the password arrives as MYSQL_PASSWORD(_FILE)). */
export function backupEnv(b: BackupEnvInputs): Record<string, string> {
  return {
    MYSQL_HOST: b.host,
    MYSQL_PORT: String(b.port),
    MYSQL_DATABASE: b.database,
    MYSQL_USER: b.user,
    BACKUP_DIR,
    BACKUP_INTERVAL_MINUTES: String(b.intervalMinutes),
    BACKUP_RETAIN: String(b.retain),
  };
}

// Shared functions. No pipefail in dash, so mysqldump's exit status travels through a file, and
// a dump counts only when its last line is the tool's own "-- Dump completed" trailer.
const FUNCTIONS = `set -u
umask 077
log() { echo "backup: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }
backup_once() {
  started=$(date +%s)
  name="microblog-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"
  tool=$(command -v mariadb-dump || command -v mysqldump) || {
    log "FAILED: neither mariadb-dump nor mysqldump in this image"
    return 1
  }
  if [ -n "\${MYSQL_PASSWORD_FILE:-}" ]; then pw=$(cat "$MYSQL_PASSWORD_FILE") || return 1; else pw=\${MYSQL_PASSWORD:-}; fi
  rm -f "$BACKUP_DIR"/.partial-* "$BACKUP_DIR"/.cnf.*
  cnf=$(mktemp "$BACKUP_DIR/.cnf.XXXXXX") || return 1
  printf '[client]\\nuser=%s\\npassword=%s\\nhost=%s\\nport=%s\\n' "$MYSQL_USER" "$pw" "$MYSQL_HOST" "$MYSQL_PORT" >"$cnf"
  tmp="$BACKUP_DIR/.partial-$name"
  { "$tool" --defaults-extra-file="$cnf" --protocol=tcp --single-transaction --quick --no-tablespaces --default-character-set=utf8mb4 "$MYSQL_DATABASE" 2>"$cnf.err"; echo $? >"$cnf.rc"; } | gzip -c >"$tmp"
  zipped=$?
  rc=$(cat "$cnf.rc" 2>/dev/null || echo missing)
  trailer=$(gzip -dc "$tmp" 2>/dev/null | tail -n 1)
  if [ "$rc" = 0 ] && [ "$zipped" = 0 ] && [ "\${trailer#-- Dump completed}" != "$trailer" ]; then
    mv "$tmp" "$BACKUP_DIR/$name"
    date +%s >"$BACKUP_DIR/${LAST_SUCCESS}"
    echo "$name" >"$BACKUP_DIR/${LAST_NAME}"
    log "ok $name $(wc -c <"$BACKUP_DIR/$name") bytes in $(($(date +%s) - started)) s ($(basename "$tool"))"
    rm -f "$cnf" "$cnf.err" "$cnf.rc"
    return 0
  fi
  log "FAILED $name: dump exit $rc, gzip exit $zipped: $(tail -n 3 "$cnf.err" 2>/dev/null | tr '\\n' ' ')"
  rm -f "$tmp" "$cnf" "$cnf.err" "$cnf.rc"
  return 1
}
backup_retrying() {
  attempt=1
  pause=\${BACKUP_RETRY_SECONDS:-5}
  while ! backup_once; do
    [ "$attempt" -ge ${DUMP_ATTEMPTS} ] && return 1
    attempt=$((attempt + 1))
    log "trying again in $pause s (attempt $attempt of ${DUMP_ATTEMPTS})"
    sleep "$pause"
    pause=$((pause * 2))
  done
}
prune() {
  set -- "$BACKUP_DIR"/microblog-*.sql.gz
  [ -e "$1" ] || return 0
  excess=$(($# - BACKUP_RETAIN))
  while [ "$excess" -gt 0 ]; do
    rm -f "$1" && log "removed \${1##*/} (keeping the last $BACKUP_RETAIN)"
    shift
    excess=$((excess - 1))
  done
}
due() {
  last=$(cat "$BACKUP_DIR/${LAST_SUCCESS}" 2>/dev/null) || return 0
  case "$last" in '' | *[!0-9]*) return 0 ;; esac
  [ $(($(date +%s) - last)) -ge $((BACKUP_INTERVAL_MINUTES * 60)) ]
}
`;

/** Local: dump when due (at start too, if the last dump is older than one period), keep the last N. */
export const LOOP_SCRIPT = `${FUNCTIONS}log "started: every $BACKUP_INTERVAL_MINUTES min, keeping the last $BACKUP_RETAIN in $BACKUP_DIR"
while :; do
  if due; then
    if backup_retrying; then prune; else sleep ${RETRY_SECONDS}; fi
  fi
  sleep ${TICK_SECONDS}
done
`;

/** Scheduled task: one dump into the task's volume; the exit status is the task's verdict. */
export const ONCE_SCRIPT = `${FUNCTIONS}backup_retrying
`;

/** Scheduled task, second container (AWS CLI image): uploads the dump the first one wrote. */
export const UPLOAD_SCRIPT = `set -eu
name=$(cat "$BACKUP_DIR/${LAST_NAME}")
aws s3 cp "$BACKUP_DIR/$name" "s3://$BACKUP_BUCKET/$BACKUP_PREFIX$name" --only-show-errors
echo "backup: uploaded s3://$BACKUP_BUCKET/$BACKUP_PREFIX$name ($(wc -c <"$BACKUP_DIR/$name") bytes)"
`;

/** Health check argv: healthy while the last successful dump is younger than `maxAgeSeconds`. */
export function freshnessCheck(maxAgeSeconds: number): string[] {
  return [
    "sh",
    "-c",
    `last=$(cat ${BACKUP_DIR}/${LAST_SUCCESS}) && [ $(($(date +%s) - last)) -lt ${maxAgeSeconds} ]`,
  ];
}

/**
 * Marks the backup containers as a job, not a service: the policy pack then does not require a
 * durable data mount of a container that only dumps MySQL, nor, on ECS, a health check and a
 * restart of a task that runs once per schedule (policy/rules/facts.ts reads the same label).
 */
export const JOB_LABEL = { name: "microblog.role", value: "job" } as const;

/**
 * Restore, second container (MySQL image): checks and loads the dump the download container
 * fetched. Env: the backup job's MySQL settings and password, RESTORE_NAME (the dump's file
 * name), RESTORE_MODE (`check`: report and stop; `restore`: load), RESTORE_FORCE (1: load even
 * over posts newer than the dump). Logs `restore: … before users=U posts=P newest=S taken=S` and,
 * after a load, `… after users=U posts=P`; exit 0 done, 3 refused (newer posts), 1 failed.
 */
export const RESTORE_SCRIPT = `set -u
umask 077
log() { echo "restore: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }
case "$RESTORE_NAME" in
microblog-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.sql.gz) ;;
*) log "FAILED: $RESTORE_NAME is not a backup's name" && exit 1 ;;
esac
dump="$BACKUP_DIR/$RESTORE_NAME"
tool=$(command -v mariadb || command -v mysql) || { log "FAILED: no mysql client in this image"; exit 1; }
if [ -n "\${MYSQL_PASSWORD_FILE:-}" ]; then pw=$(cat "$MYSQL_PASSWORD_FILE") || exit 1; else pw=\${MYSQL_PASSWORD:-}; fi
cnf=$(mktemp "$BACKUP_DIR/.cnf.XXXXXX") || exit 1
trap 'rm -f "$cnf" "$cnf.rc"' EXIT
printf '[client]\\nuser=%s\\npassword=%s\\nhost=%s\\nport=%s\\n' "$MYSQL_USER" "$pw" "$MYSQL_HOST" "$MYSQL_PORT" >"$cnf"
sql() { "$tool" --defaults-extra-file="$cnf" --protocol=tcp -N -B --default-character-set=utf8mb4 "$MYSQL_DATABASE"; }
# "users posts newest-post-ms"; "- - 0" before the first migration.
counts() {
  out=$(echo 'SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM posts), (SELECT COALESCE(MAX(created_at), 0) FROM posts);' | sql 2>/dev/null | tr '\\t' ' ')
  echo "\${out:-- - 0}"
}
stamp=\${RESTORE_NAME#microblog-}
stamp=\${stamp%Z.sql.gz}
taken=$(date -u -d "$(echo "$stamp" | sed 's/^\\(....\\)\\(..\\)\\(..\\)T\\(..\\)\\(..\\)\\(..\\)$/\\1-\\2-\\3 \\4:\\5:\\6/')" +%s) || exit 1
trailer=$(gzip -dc "$dump" 2>/dev/null | tail -n 1)
if [ "\${trailer#-- Dump completed}" = "$trailer" ]; then
  log "FAILED: $RESTORE_NAME is not a complete dump (no completion trailer)"
  exit 1
fi
set -- $(counts)
newest=$(($3 / 1000))
log "$RESTORE_NAME before users=$1 posts=$2 newest=$newest taken=$taken"
if [ "$newest" -gt "$taken" ]; then
  if [ "\${RESTORE_FORCE:-0}" != 1 ]; then
    log "REFUSED: the database holds posts newer than the backup; they would be lost"
    exit 3
  fi
  log "posts newer than the backup will be lost (forced)"
fi
[ "\${RESTORE_MODE:-check}" = restore ] || { log "check passed, nothing changed"; exit 0; }
{ gzip -dc "$dump"; echo $? >"$cnf.rc"; } | sql
loaded=$?
if [ "$loaded" != 0 ] || [ "$(cat "$cnf.rc")" != 0 ]; then
  log "FAILED: loading $RESTORE_NAME: mysql exit $loaded, gzip exit $(cat "$cnf.rc")"
  exit 1
fi
set -- $(counts)
log "$RESTORE_NAME after users=$1 posts=$2"
`;

/** Restore, first container (AWS CLI image): fetches the dump named RESTORE_NAME. */
export const DOWNLOAD_SCRIPT = `set -eu
aws s3 cp "s3://$BACKUP_BUCKET/$BACKUP_PREFIX$RESTORE_NAME" "$BACKUP_DIR/$RESTORE_NAME" --only-show-errors
echo "restore: downloaded $RESTORE_NAME ($(wc -c <"$BACKUP_DIR/$RESTORE_NAME") bytes)"
`;
