# shellcheck shell=bash
# Helpers shared by the scripts in this directory. Source it after setting SCRIPT (the name
# the messages carry):  SCRIPT=up-dev; . "$(dirname "$0")/lib.sh"
: "${SCRIPT:=${0##*/}}"

# step MESSAGE: one progress line.
step() { echo "==> $SCRIPT: $*"; }

# die MESSAGE: the reason on stderr, exit 1.
die() {
  echo "$SCRIPT: $*" >&2
  exit 1
}

# dev_pulumi_env: the state and passphrase defaults of scripts/up-dev.sh (which generates the
# passphrase file on its first run), unless the caller's environment sets its own.
dev_pulumi_env() {
  export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-microblog}"
  local pass_file="${MICROBLOG_HOME:-$HOME/.config/microblog}/passphrase"
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] &&
    [ -s "$pass_file" ]; then
    export PULUMI_CONFIG_PASSPHRASE_FILE="$pass_file"
  fi
}

# dev_stack_outputs STACK [FILE]: the stack's outputs as JSON, from FILE when given, else from
# Pulumi (the one on PATH, or the offline harness's engine, as up-dev.sh) with its defaults.
dev_stack_outputs() {
  if [ -n "${2:-}" ]; then
    cat "$2"
    return
  fi
  if ! command -v pulumi >/dev/null; then
    # shellcheck source=/dev/null
    source "$(dirname "${BASH_SOURCE[0]}")/../harness/engine/use.sh" >&2 ||
      die "no pulumi on PATH, and none can be had here; pass --outputs-file FILE"
  fi
  dev_pulumi_env
  pulumi stack output --stack "$1" --json
}

# The two restore scripts (restore-dev.sh, restore-ecs.sh) share their options and their steps
# of choosing a dump and asking before they change anything.

# restore_options ARGS...: parses --backup NAME, --force, --yes, --dry-run, --stack NAME,
# --outputs-file FILE, -h; sets BACKUP FORCE YES DRY_RUN STACK OUTPUTS_FILE (STACK keeps its
# default). Needs a usage function; exit 2 on a bad option.
# shellcheck disable=SC2034 # the variables are read by the calling script
restore_options() {
  BACKUP="" FORCE=0 YES=0 DRY_RUN=0 OUTPUTS_FILE=""
  while [ $# -gt 0 ]; do
    case "$1" in
    --backup | --stack | --outputs-file)
      [ $# -ge 2 ] || { usage >&2 && exit 2; }
      case "$1" in
      --backup) BACKUP="$2" ;;
      --stack) STACK="$2" ;;
      --outputs-file) OUTPUTS_FILE="$2" ;;
      esac
      shift
      ;;
    --force) FORCE=1 ;;
    --yes) YES=1 ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) usage && exit 0 ;;
    *) usage >&2 && exit 2 ;;
    esac
    shift
  done
}

# pick_backup WHERE NAME...: of the dump names given (any order), BACKUP stays the one asked for
# (it must be among them) or becomes the latest; WHERE names the place in messages.
pick_backup() {
  local where="$1" d found=0
  shift
  [ $# -gt 0 ] || die "no backups in $where"
  local sorted
  sorted="$(printf '%s\n' "$@" | sort)"
  if [ -z "$BACKUP" ]; then
    BACKUP="$(tail -n 1 <<<"$sorted")"
    return
  fi
  for d in "$@"; do [ "$d" = "$BACKUP" ] && found=1; done
  [ "$found" = 1 ] || die "no backup named $BACKUP in $where; have: $(tr '\n' ' ' <<<"$sorted" | sed 's/ $//')"
}

# confirm QUESTION: goes on when YES=1 or the user answers yes; otherwise exit 3 (also when
# there is no terminal to ask on).
confirm() {
  [ "$YES" = 1 ] && return 0
  if [ ! -t 0 ]; then
    echo "$SCRIPT: refused: no terminal to confirm on; pass --yes" >&2
    exit 3
  fi
  local answer
  read -r -p "$1 [y/N] " answer
  case "$answer" in
  y | Y | yes) ;;
  *) echo "$SCRIPT: cancelled" >&2 && exit 3 ;;
  esac
}
