#!/usr/bin/env bash
# Runs a real MariaDB server (Debian's mariadb-server) for the app's integration tests, with
# its own data directory and port, so a system MariaDB on 3306 is never touched.
#   mariadb.sh start   install if needed, initialise the datadir once, start, create the
#                      database and user, print and write the URL to $WORK/url
#   mariadb.sh stop    stop the server (data kept; `mariadb.sh reset` removes it)
#   mariadb.sh status  exit 0 when the server answers
# Env: MARIADB_PORT (13306), MARIADB_DATABASE (microblog_test), MARIADB_USER (microblog),
#      MARIADB_PASSWORD (microblog-test-pw), MICROBLOG_SERVICES_DIR (/tmp/microblog-services).
set -euo pipefail
SERVICE_NAME=mariadb
# shellcheck source=harness/services/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

WORK="$MICROBLOG_SERVICES_DIR/mariadb"
DATADIR="$WORK/data"
SOCK="$WORK/mysqld.sock"
PIDFILE="$WORK/mysqld.pid"
LOG="$WORK/mysqld.log"
PORT="${MARIADB_PORT:-13306}"
DB="${MARIADB_DATABASE:-microblog_test}"
DB_USER="${MARIADB_USER:-microblog}"
DB_PASSWORD="${MARIADB_PASSWORD:-microblog-test-pw}"
URL="mysql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB"
# A second account that may only log in, for the test that rotates a password (it changes its
# own password and back; no other test uses it).
ROTATION_USER=microblog_rotation
ROTATION_PASSWORD=rotation-test-pw
ROTATION_DB="${DB}_rotation"
ROTATION_URL="mysql://$ROTATION_USER:$ROTATION_PASSWORD@127.0.0.1:$PORT/$ROTATION_DB"

# Root talks to the server over its private socket with unix_socket auth; no root password.
admin_sql() { mariadb --no-defaults --protocol=socket -S "$SOCK" -u root; }
alive() { mariadb-admin --no-defaults --protocol=socket -S "$SOCK" -u root ping >/dev/null 2>&1; }

start() {
  phase_start "install mariadb-server"
  if ! command -v mariadbd >/dev/null || ! command -v mariadb >/dev/null; then
    apt_install mariadb-server mariadb-client
  fi
  phase_end
  mkdir -p "$WORK"
  chown mysql:mysql "$WORK"
  if ! alive; then
    if [ ! -d "$DATADIR/mysql" ]; then
      phase_start "initialise datadir $DATADIR"
      rm -rf "$DATADIR"
      mariadb-install-db --no-defaults --user=mysql --datadir="$DATADIR" \
        --auth-root-authentication-method=socket --skip-test-db >"$WORK/install.log" 2>&1 ||
        die "mariadb-install-db failed; see $WORK/install.log"
      phase_end
    fi
    if pid_alive "$PIDFILE"; then
      die "a mariadbd (pid $(cat "$PIDFILE")) is running but does not answer on $SOCK; run '$0 stop'"
    fi
    port_open 127.0.0.1 "$PORT" && die "port 127.0.0.1:$PORT is taken by another program"
    phase_start "start mariadbd on 127.0.0.1:$PORT"
    # --no-defaults: ignore /etc/mysql so a system server's settings never leak in.
    setsid mariadbd --no-defaults --user=mysql --datadir="$DATADIR" --socket="$SOCK" \
      --port="$PORT" --bind-address=127.0.0.1 --pid-file="$PIDFILE" --log-error="$LOG" \
      --skip-name-resolve --character-set-server=utf8mb4 \
      --collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=64M \
      --max-connections=200 >>"$WORK/stdout.log" 2>&1 </dev/null 8>&- &
    if ! wait_until 60 "mariadbd ping" alive; then
      tail -n 30 "$LOG" >&2 || true
      die "mariadbd did not answer within 60s; log: $LOG"
    fi
    phase_end "pid $(cat "$PIDFILE")"
  else
    say "already running (pid $(cat "$PIDFILE" 2>/dev/null || echo '?'))"
  fi
  phase_start "ensure database $DB and user $DB_USER"
  # The grant covers microblog_test and microblog_test_* so tests may use one database each.
  admin_sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`${DB}%\`.* TO '$DB_USER'@'%';
CREATE USER IF NOT EXISTS '$ROTATION_USER'@'%' IDENTIFIED BY '$ROTATION_PASSWORD';
ALTER USER '$ROTATION_USER'@'%' IDENTIFIED BY '$ROTATION_PASSWORD';
CREATE DATABASE IF NOT EXISTS \`$ROTATION_DB\`;
GRANT SELECT ON \`$ROTATION_DB\`.* TO '$ROTATION_USER'@'%';
FLUSH PRIVILEGES;
SQL
  mariadb --no-defaults -h 127.0.0.1 -P "$PORT" -u "$DB_USER" -p"$DB_PASSWORD" "$DB" \
    -e 'SELECT 1' >/dev/null || die "login as $DB_USER over TCP failed"
  printf '%s\n' "$URL" >"$WORK/url"
  printf '%s\n' "$ROTATION_URL" >"$WORK/rotation-url"
  phase_end
  say "ready: $URL"
  say "url file: $WORK/url  log: $LOG"
}

stop() {
  if pid_alive "$PIDFILE"; then
    phase_start "stop mariadbd"
    stop_pidfile "$PIDFILE" 60
    phase_end
  else
    say "not running"
  fi
}

status() { report_status "$URL" alive; }

service_main "$WORK" "start stop status reset" "${1:-}"
