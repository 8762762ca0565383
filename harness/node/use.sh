# shellcheck shell=bash
# Source this to run the program on the Node.js its users run (the README and the GitHub
# workflows say 24):
#   source harness/node/use.sh || exit $?
# - a `node` on PATH of major version 22 or later is used as it is;
# - an older one (this build machine has 20, past its end of life) is shadowed by Node.js
#   $NODE_VERSION from the npm registry (fetch.sh, cached), put first on PATH.
# MICROBLOG_NODE=auto (default) | system (keep the node on PATH whatever its version).
# Sets MICROBLOG_NODE_DESC (one line for reports).
_use_node() {
  local here want=${MICROBLOG_NODE:-auto} major system dir
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  case $want in auto | system) ;; *)
    echo "[node] MICROBLOG_NODE='$want' is not one of: auto, system" >&2
    return 2
    ;;
  esac
  system="$(node --version 2>/dev/null || echo none)"
  major="${system#v}" && major="${major%%.*}"
  [[ $major =~ ^[0-9]+$ ]] || major=0
  if [[ $want == system || $major -ge 22 ]]; then
    MICROBLOG_NODE_DESC="node $system from PATH ($(command -v node || echo none))"
  else
    dir="$(bash "$here/fetch.sh")" || return 1
    PATH="$dir/node/bin:$PATH"
    MICROBLOG_NODE_DESC="node $(node --version) from the npm registry (harness/node; the machine has $system)"
  fi
  export PATH MICROBLOG_NODE_DESC
  echo "[node] $MICROBLOG_NODE_DESC"
}
_use_node
