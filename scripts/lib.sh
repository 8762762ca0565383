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
