# shellcheck shell=bash
# Source this to get a Pulumi engine on PATH, preferring the user's own:
#   source harness/engine/use.sh || exit $?      # returns 3 when no engine can be had here
# - a `pulumi` already on PATH (the official install, plugins acquired automatically) is used
#   as it is;
# - otherwise the engine built from source here (harness/engine/build.sh, cached) is put on
#   PATH with the switches it needs (no plugin downloads, no update checks).
# MICROBLOG_ENGINE=auto (default) | official (fail without a pulumi on PATH) | built (ignore it).
# Sets MICROBLOG_ENGINE_KIND (official | built) and MICROBLOG_ENGINE_DESC (one line for reports).
_use_engine() {
  local here want=${MICROBLOG_ENGINE:-auto} path rc=0
  here="$(dirname "${BASH_SOURCE[0]}")"
  path="$(command -v pulumi || true)"
  case $want in auto | official | built) ;; *)
    echo "[engine] MICROBLOG_ENGINE='$want' is not one of: auto, official, built" >&2
    return 2
    ;;
  esac
  # The engine built here may already be on PATH (env.sh sourced earlier): that is not official.
  if [[ -n $path && $path == "${MICROBLOG_CACHE:-$HOME/.cache/microblog}/pulumi/"* ]]; then path=""; fi
  if [[ -n $path && $want != built ]]; then
    MICROBLOG_ENGINE_KIND=official
    MICROBLOG_ENGINE_DESC="pulumi $(pulumi version 2>/dev/null) from PATH ($path), plugins acquired by the CLI"
  elif [[ $want == official ]]; then
    echo "[engine] MICROBLOG_ENGINE=official but no pulumi is on PATH (https://www.pulumi.com/docs/install/)" >&2
    return 2
  else
    bash "$here/build.sh" || rc=$?
    [[ $rc == 0 ]] || return "$rc"
    # shellcheck source=/dev/null
    source "$here/env.sh" || return 1
    MICROBLOG_ENGINE_KIND=built
    MICROBLOG_ENGINE_DESC="pulumi $(pulumi version 2>/dev/null) built here from source (harness/engine; no get.pulumi.com)"
  fi
  export MICROBLOG_ENGINE_KIND MICROBLOG_ENGINE_DESC
  echo "[engine] $MICROBLOG_ENGINE_DESC"
}
_use_engine
