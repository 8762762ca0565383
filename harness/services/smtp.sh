#!/usr/bin/env bash
# Runs a real SMTP server (aiosmtpd from PyPI) on 127.0.0.1:2525 for the app's mail tests.
# Every accepted message is written into a Maildir (aiosmtpd's Mailbox handler, which adds
# X-Peer, X-MailFrom and X-RcptTo headers), so tests read mails from $WORK/Maildir/new/.
#   smtp.sh start   build the venv once, start the server, print host, port and Maildir
#   smtp.sh stop    stop the server (mails kept)
#   smtp.sh status  exit 0 when the server accepts connections
#   smtp.sh clear   delete every received mail
# Env: SMTP_PORT (2525), SMTP_BIND (127.0.0.1), AIOSMTPD_VERSION (1.4.6), MICROBLOG_SERVICES_DIR, MICROBLOG_CACHE_DIR.
set -euo pipefail
SERVICE_NAME=smtp
# shellcheck source=harness/services/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

WORK="$MICROBLOG_SERVICES_DIR/smtp"
MAILDIR="$WORK/Maildir"
PIDFILE="$WORK/smtpd.pid"
LOG="$WORK/smtpd.log"
PORT="${SMTP_PORT:-2525}"
# A container reaches the host through its bridge gateway, e.g. SMTP_BIND=172.17.0.1.
BIND="${SMTP_BIND:-127.0.0.1}"
VERSION="${AIOSMTPD_VERSION:-1.4.6}"
VENV="$MICROBLOG_CACHE_DIR/aiosmtpd/$VERSION/venv"

ensure_venv() {
  if [ -x "$VENV/bin/aiosmtpd" ] && "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
    return 0
  fi
  local py
  py="$(command -v python3 || true)"
  [ -n "$py" ] || { apt_install python3 python3-venv; py=/usr/bin/python3; }
  if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    apt_install python3-venv
    py=/usr/bin/python3
  fi
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  "$py" -m venv "$VENV" || die "could not create a venv at $VENV with $py"
  "$VENV/bin/pip" install -q "aiosmtpd==$VERSION" ||
    die "pip install aiosmtpd==$VERSION failed"
}

print_details() {
  say "ready: smtp://$BIND:$PORT (no TLS, no auth): MAIL_SERVER=$BIND MAIL_PORT=$PORT"
  say "maildir: $MAILDIR (new mails in $MAILDIR/new/)  log: $LOG"
}

start() {
  if pid_alive "$PIDFILE" && port_open "$BIND" "$PORT"; then
    say "already running (pid $(cat "$PIDFILE"))"
    print_details
    return 0
  fi
  phase_start "venv with aiosmtpd $VERSION"
  ensure_venv
  phase_end "$VENV"
  mkdir -p "$MAILDIR"/{new,cur,tmp}
  port_open "$BIND" "$PORT" && die "port $BIND:$PORT is taken by another program"
  phase_start "start aiosmtpd on $BIND:$PORT"
  setsid "$VENV/bin/aiosmtpd" -n -l "$BIND:$PORT" \
    -c aiosmtpd.handlers.Mailbox "$MAILDIR" >>"$LOG" 2>&1 </dev/null 8>&- &
  echo $! >"$PIDFILE"
  if ! wait_until 30 "smtp port" port_open "$BIND" "$PORT"; then
    tail -n 20 "$LOG" >&2 || true
    die "aiosmtpd did not listen within 30s; log: $LOG"
  fi
  phase_end "pid $(cat "$PIDFILE")"
  print_details
}

stop() {
  if pid_alive "$PIDFILE"; then
    phase_start "stop aiosmtpd"
    stop_pidfile "$PIDFILE" 10
    phase_end
  else
    say "not running"
  fi
}

smtp_up() { pid_alive "$PIDFILE" && port_open "$BIND" "$PORT"; }
status() { report_status "smtp://$BIND:$PORT maildir $MAILDIR" smtp_up; }
# clear: drop every received mail.
clear() { rm -f "$MAILDIR"/new/* "$MAILDIR"/cur/* && say "cleared $MAILDIR"; }

service_main "$WORK" "start stop status clear" "${1:-}"
