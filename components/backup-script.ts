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
/** Seconds the loop waits after a failed dump before it tries again. */
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
    if backup_once; then prune; else sleep ${RETRY_SECONDS}; fi
  fi
  sleep ${TICK_SECONDS}
done
`;

/** Scheduled task: one dump into the task's volume; the exit status is the task's verdict. */
export const ONCE_SCRIPT = `${FUNCTIONS}backup_once
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
