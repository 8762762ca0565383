# shellcheck shell=bash
# Source this (after harness/engine/build.sh) to use the locally built Pulumi engine:
#   source harness/engine/env.sh
# It sets no backend and no passphrase: callers choose PULUMI_BACKEND_URL (or
# `pulumi login file://...`) and PULUMI_CONFIG_PASSPHRASE themselves.

MICROBLOG_PULUMI_VERSION=3.248.0
MICROBLOG_PULUMI_BIN="${MICROBLOG_CACHE:-$HOME/.cache/microblog}/pulumi/$MICROBLOG_PULUMI_VERSION/bin"
export MICROBLOG_PULUMI_VERSION MICROBLOG_PULUMI_BIN

if [[ ! -x $MICROBLOG_PULUMI_BIN/pulumi ]]; then
  echo "[engine/env] $MICROBLOG_PULUMI_BIN/pulumi is missing: run harness/engine/build.sh" >&2
  # shellcheck disable=SC2317 # exit is reached only when the file is executed, not sourced
  return 1 2>/dev/null || exit 1
fi

case ":$PATH:" in
  *":$MICROBLOG_PULUMI_BIN:"*) ;;
  *) export PATH="$MICROBLOG_PULUMI_BIN:$PATH" ;;
esac

# No update checks and no plugin downloads: nothing but the registries is reachable, and
# every plugin the tests need is built and installed by build.sh.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The provider binaries also sit in the bin dir on PATH; without this the engine would run
# them from PATH (with a warning) instead of the versions installed in the plugin cache.
# The language host and the dynamic-provider shim are still found next to `pulumi`.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
# The Automation API compares the CLI's version with its own; the CLI is built locally.
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
# Keep plain, non-interactive output in logs.
export PULUMI_SKIP_CONFIRMATIONS=true
export NO_COLOR=1
