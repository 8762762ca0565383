#!/usr/bin/env bash
# The real Pulumi engine for the end-to-end tests, from what this machine's registries serve.
#   build.sh [all|cli|language|shim|random|docker|plugins]     (default: all)
# - `pulumi` CLI v3.248.0: built from the Go module proxy (pkg/v3 + sdk/v3 at the release, in a
#   scratch module), cached in ~/.cache/microblog/pulumi/<version>/bin;
# - the dynamic-provider shim: written here (a node one-liner around @pulumi/pulumi);
# - `pulumi-language-nodejs`, `pulumi-resource-random`, `pulumi-resource-docker`: the proxy
#   refuses their modules (403), so this script cannot build them. It uses binaries already in
#   the bin dir and exits 3 with the reason when they are not there (run.sh then reports the
#   deploy suite as blocked). The plugins are installed into the Pulumi plugin cache under the
#   versions the npm packages ask for.
# Env: MICROBLOG_CACHE (default ~/.cache/microblog), PULUMI_HOME (default ~/.pulumi), GOFLAGS.
set -euo pipefail

PULUMI_VERSION=3.248.0
# What the npm packages in the root lockfile ask for (package.json "pulumi.version").
RANDOM_PLUGIN_VERSION=4.21.2
DOCKER_PLUGIN_VERSION=5.2.0

CACHE_ROOT="${MICROBLOG_CACHE:-$HOME/.cache/microblog}/pulumi/$PULUMI_VERSION"
BIN="$CACHE_ROOT/bin"
SRC="$CACHE_ROOT/src"
LOGS="$CACHE_ROOT/logs"
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--p=2} -buildvcs=false"
export GOTOOLCHAIN=local
SDK_VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
TAGS=osusergo,grpcnotrace

log() { printf '[engine/build] %s\n' "$*"; }
die() { printf '[engine/build] ERROR: %s\n' "$*" >&2; exit 1; }

# phase NAME OUTPUT FUNCTION: runs FUNCTION unless OUTPUT exists, timing it.
phase() {
  local name=$1 output=$2 fn=$3 start
  if [[ -e $output ]]; then
    log "$name: up to date ($output)"
    return 0
  fi
  start=$SECONDS
  log "$name: building (log: $LOGS/$name.log)"
  # Not inside an `if`: bash would switch errexit off for the whole function there.
  local rc=0
  set +e
  (set -e; "$fn") >"$LOGS/$name.log" 2>&1
  rc=$?
  set -e
  if [[ $rc != 0 ]]; then
    tail -n 30 "$LOGS/$name.log" >&2
    die "$name failed after $((SECONDS - start))s; full log: $LOGS/$name.log"
  fi
  [[ -e $output ]] || die "$name finished but $output is missing"
  log "$name: done in $((SECONDS - start))s"
}

need_tools() {
  local t
  for t in go node; do
    command -v "$t" >/dev/null || die "'$t' is required on PATH"
  done
}

# --- pulumi CLI: scratch module requiring pkg/v3 and sdk/v3 from the proxy ---------------
build_cli() {
  local mod="$SRC/cli"
  mkdir -p "$mod"
  cat >"$mod/go.mod" <<EOF
module microblog.local/pulumi-cli-build

go 1.25.11

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  cat >"$mod/tools.go" <<'EOF'
//go:build tools

// Package tools pins the Pulumi CLI's main package so `go mod tidy` resolves it.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
  cd "$mod"
  go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  go mod tidy
  go build -trimpath -tags "$TAGS" -ldflags "-s -w -X $SDK_VERSION_PKG=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# --- dynamic-provider shim (what the release tarball ships from sdk/nodejs/dist) ----------
write_dynamic_shim() {
  cat >"$BIN/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
# Runs @pulumi/pulumi's dynamic provider host, resolved from the program's node_modules.
script=$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
EOF
  chmod 0755 "$BIN/pulumi-resource-pulumi-nodejs"
}

# require_prebuilt NAME MODULE: the Go module proxy refuses MODULE (403 "This module version is
# not available"), so this script cannot build NAME; it uses a binary an operator put in $BIN.
require_prebuilt() {
  local name=$1 module=$2
  if [[ -x $BIN/$name ]]; then
    log "$name: using the prebuilt binary in $BIN"
    return 0
  fi
  printf '[engine/build] BLOCKED: %s is not in %s.\n' "$name" "$BIN" >&2
  printf '[engine/build]   The Go module proxy refuses %s (403), so it cannot be built here;\n' \
    "$module" >&2
  printf '[engine/build]   check: go list -m -versions %s\n' "$module" >&2
  printf '[engine/build]   Put a %s binary of a matching release in %s and rerun.\n' "$name" "$BIN" >&2
  exit 3
}

# install_plugin NAME VERSION: puts a built provider into the Pulumi plugin cache
# ($PULUMI_HOME/plugins), replacing an installed copy that differs from the build.
install_plugin() {
  local name=$1 version=$2 start=$SECONDS installed
  installed="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-$name-v$version/pulumi-resource-$name"
  if cmp -s "$installed" "$BIN/pulumi-resource-$name"; then
    log "plugin $name $version: already installed"
    return 0
  fi
  PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" plugin install resource "$name" "$version" \
    --file "$BIN/pulumi-resource-$name" --reinstall >"$LOGS/install-$name.log" 2>&1 ||
    { cat "$LOGS/install-$name.log" >&2; die "installing plugin $name $version failed"; }
  log "plugin $name $version: installed in $((SECONDS - start))s"
}

main() {
  local only=${1:-all} start=$SECONDS
  need_tools
  mkdir -p "$BIN" "$SRC" "$LOGS"
  log "go $(go env GOVERSION), cache $CACHE_ROOT"
  # The three binaries no script can build decide whether the engine can be had at all: check
  # them before spending minutes compiling the CLI.
  if [[ $only == all ]]; then
    require_prebuilt pulumi-language-nodejs github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
    require_prebuilt pulumi-resource-random github.com/pulumi/pulumi-random/provider/v4
    require_prebuilt pulumi-resource-docker github.com/pulumi/pulumi-docker/provider/v5
  fi
  case $only in
    all | cli) phase cli "$BIN/pulumi" build_cli ;;&
    all | language)
      require_prebuilt pulumi-language-nodejs github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
      ;;&
    all | shim) phase dynamic-shim "$BIN/pulumi-resource-pulumi-nodejs" write_dynamic_shim ;;&
    all | random) require_prebuilt pulumi-resource-random github.com/pulumi/pulumi-random/provider/v4 ;;&
    all | docker) require_prebuilt pulumi-resource-docker github.com/pulumi/pulumi-docker/provider/v5 ;;&
    all | random | docker | plugins)
      [[ -x $BIN/pulumi ]] || die "build the CLI first"
      [[ $only == docker ]] || install_plugin random "$RANDOM_PLUGIN_VERSION"
      [[ $only == random ]] || install_plugin docker "$DOCKER_PLUGIN_VERSION"
      ;;
    cli | language | shim) ;;
    *) die "usage: build.sh [all|cli|language|shim|random|docker|plugins]" ;;
  esac
  log "all done in $((SECONDS - start))s; bin: $BIN"
}

main "$@"
