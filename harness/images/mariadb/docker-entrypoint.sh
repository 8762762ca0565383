#!/bin/bash
# Entry point with the official mysql image's contract:
#   MYSQL_ROOT_PASSWORD | MYSQL_RANDOM_ROOT_PASSWORD=yes | MYSQL_ALLOW_EMPTY_PASSWORD=yes
#   MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD (user gets all privileges on the database)
#   MYSQL_ROOT_HOST (default %); *_FILE variants read the value from a file;
#   /docker-entrypoint-initdb.d/*.sql and *.sh run once, at initialisation.
# An empty /var/lib/mysql is initialised by a temporary server without networking, so a
# TCP health check (`mysqladmin ping -h 127.0.0.1 --protocol=tcp`) fails until the real
# server is up. A populated data directory is used as it is (data survives replacement).
set -euo pipefail
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

log() { printf '%s [Entrypoint]: %s\n' "$(date -u +%FT%TZ)" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

# file_env VAR: VAR or VAR_FILE (a path whose content is the value), not both.
file_env() {
  local var="$1" file_var="${1}_FILE" val=""
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    die "both $var and $file_var are set; use one"
  fi
  if [ -n "${!var:-}" ]; then
    val="${!var}"
  elif [ -n "${!file_var:-}" ]; then
    val="$(<"${!file_var}")"
  fi
  export "$var"="$val"
  unset "$file_var"
}

# sql_quote S: S as a single-quoted SQL string literal.
sql_quote() { printf "'%s'" "$(printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/''/g")"; }

client() { mariadb --protocol=socket --socket="$SOCKET" -uroot "$@"; }

init_database() {
  file_env MYSQL_ROOT_PASSWORD
  file_env MYSQL_USER
  file_env MYSQL_PASSWORD
  file_env MYSQL_DATABASE
  : "${MYSQL_RANDOM_ROOT_PASSWORD:=}" "${MYSQL_ALLOW_EMPTY_PASSWORD:=}" "${MYSQL_ROOT_HOST:=%}"
  if [ -z "$MYSQL_ROOT_PASSWORD" ] && [ -z "$MYSQL_RANDOM_ROOT_PASSWORD" ] &&
    [ -z "$MYSQL_ALLOW_EMPTY_PASSWORD" ]; then
    die "database is uninitialized and no root password option is given; set one of MYSQL_ROOT_PASSWORD, MYSQL_RANDOM_ROOT_PASSWORD=yes, MYSQL_ALLOW_EMPTY_PASSWORD=yes"
  fi
  if [ "$MYSQL_USER" = root ]; then
    die "MYSQL_USER=root is not allowed; MYSQL_USER names an extra user (root is always created)"
  fi
  if [ -n "$MYSQL_USER" ] && [ -z "$MYSQL_PASSWORD" ]; then
    die "MYSQL_USER is set but MYSQL_PASSWORD is empty"
  fi
  if [ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    MYSQL_ROOT_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | cut -c1-32)"
    log "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi

  log "initializing database files in $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  log "starting temporary server (no networking)"
  mariadbd --datadir="$DATADIR" --skip-networking --socket="$SOCKET" &
  local pid=$! i
  for ((i = 0; i < 60; i++)); do
    mariadb-admin --protocol=socket --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || die "temporary server exited during start-up"
    sleep 1
  done
  [ "$i" -lt 60 ] || die "temporary server did not start within 60s"

  local rootpw sql account
  rootpw="$(sql_quote "$MYSQL_ROOT_PASSWORD")"
  sql="SET @@SESSION.SQL_LOG_BIN=0;"
  # Only root@localhost survives from the install: no anonymous or host-specific accounts.
  while IFS= read -r account; do
    sql+="
DROP USER $account;"
  done < <(client -N -e "SELECT CONCAT(QUOTE(User), '@', QUOTE(Host)) FROM mysql.user
    WHERE User = '' OR (User = 'root' AND Host <> 'localhost')")
  sql+="
ALTER USER 'root'@'localhost' IDENTIFIED BY $rootpw;"
  if [ "$MYSQL_ROOT_HOST" != localhost ]; then
    sql+="
CREATE USER 'root'@$(sql_quote "$MYSQL_ROOT_HOST") IDENTIFIED BY $rootpw;
GRANT ALL ON *.* TO 'root'@$(sql_quote "$MYSQL_ROOT_HOST") WITH GRANT OPTION;"
  fi
  if [ -n "$MYSQL_DATABASE" ]; then
    sql+="
CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/\`\`}\`;"
  fi
  if [ -n "$MYSQL_USER" ]; then
    sql+="
CREATE USER $(sql_quote "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_quote "$MYSQL_PASSWORD");"
    if [ -n "$MYSQL_DATABASE" ]; then
      sql+="
GRANT ALL ON \`${MYSQL_DATABASE//\`/\`\`}\`.* TO $(sql_quote "$MYSQL_USER")@'%';"
    fi
  fi
  client <<<"$sql
FLUSH PRIVILEGES;" || die "could not create the users and database"

  local f
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)
        log "running $f"
        # shellcheck disable=SC1090  # init scripts are supplied by the user at run time
        . "$f"
        ;;
      *.sql) log "running $f"; client -p"$MYSQL_ROOT_PASSWORD" "${MYSQL_DATABASE:-mysql}" <"$f" ;;
      *) log "ignoring $f" ;;
    esac
  done

  log "stopping temporary server"
  mariadb-admin --protocol=socket --socket="$SOCKET" -uroot -p"$MYSQL_ROOT_PASSWORD" shutdown
  wait "$pid" || true
  log "initialization done"
}

if [ "${1:-}" = "" ] || [ "${1#-}" != "$1" ]; then
  set -- mariadbd "$@"
fi
if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  # As the official entrypoint does (docker_setup_env before gosu): the *_FILE values are read
  # while still root, so secret files may be root-only (mode 0400); the values travel on in env.
  for v in MYSQL_ROOT_PASSWORD MYSQL_USER MYSQL_PASSWORD MYSQL_DATABASE; do file_env "$v"; done
  if [ "$(id -u)" = 0 ]; then
    # Run as mysql: fix ownership of a fresh volume, then re-enter without root.
    chown -R mysql:mysql "$DATADIR" /run/mysqld
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$0" "$@"
  fi
  if [ ! -d "$DATADIR/mysql" ]; then
    init_database
  fi
  unset MYSQL_ROOT_PASSWORD MYSQL_PASSWORD
  log "starting mariadbd on 0.0.0.0:3306"
  exec "$@"
fi
exec "$@"
