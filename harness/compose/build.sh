#!/usr/bin/env bash
# Docker Compose v2 for the side-by-side deploy benchmark (tests/bench/up-vs-compose.sh), built
# from the Go module proxy: the machines this project is built on cannot reach GitHub releases.
#   bash harness/compose/build.sh            # prints the path of the binary on its last line
# A scratch Go module requires github.com/docker/compose/v2 at COMPOSE_VERSION and carries the
# `exclude` and `replace` blocks of Compose's own go.mod (Go ignores them in a dependency's
# go.mod, and the build needs them); `go build` of its `cmd` package gives `docker-compose`, which
# runs standalone and as a Docker CLI plugin. Cached in ~/.cache/microblog/compose/<version>/.
# Env: COMPOSE_VERSION (default below), MICROBLOG_CACHE (default ~/.cache/microblog), GOFLAGS.
set -euo pipefail

VERSION="${COMPOSE_VERSION:-v2.40.3}"
MODULE=github.com/docker/compose/v2
ROOT="${MICROBLOG_CACHE:-$HOME/.cache/microblog}/compose/$VERSION"
BIN="$ROOT/bin/docker-compose"
SRC="$ROOT/src"

log() { printf '[compose/build] %s\n' "$*" >&2; }
die() { printf '[compose/build] ERROR: %s\n' "$*" >&2; exit 1; }

if [[ -x $BIN ]]; then
  log "$VERSION: up to date"
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || die "'go' is required on PATH"
export CGO_ENABLED=0 GOTOOLCHAIN=local
# -mod=mod: the scratch module has no go.sum yet; Go writes it while resolving.
export GOFLAGS="${GOFLAGS:--p=2} -mod=mod -buildvcs=false"
mkdir -p "$SRC" "$(dirname "$BIN")"
start=$SECONDS

log "$VERSION: fetching Compose's go.mod from the module proxy"
upstream="$(go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[[ -s $upstream ]] || die "no go.mod for $MODULE@$VERSION from the proxy"
go_line="$(grep -m1 '^go ' "$upstream")"
# Compose's top-level exclude/replace directives, one-line or parenthesised blocks.
directives="$(awk '
  /^(exclude|replace)[[:space:]]*\($/ { block = 1 }
  block { print; if ($0 ~ /^\)/) block = 0; next }
  /^(exclude|replace)[[:space:]]/ { print }
' "$upstream")"
log "$VERSION: carrying $(grep -cE '=>|^[[:space:]]+[a-z]' <<<"$directives" || true) exclude/replace lines from it"

cat >"$SRC/go.mod" <<MOD
module microblog.local/compose-build

$go_line

require $MODULE $VERSION

$directives
MOD
cat >"$SRC/tools.go" <<'GO'
//go:build tools

// Package tools pins Compose's main package so the module graph keeps it.
package tools

import _ "github.com/docker/compose/v2/cmd"
GO

log "$VERSION: resolving the module graph (downloads through the proxy on a cold cache)"
(cd "$SRC" && go mod tidy) >&2
log "$VERSION: compiling $MODULE/cmd (a few minutes on 2 cores when cold)"
(cd "$SRC" && go build -trimpath \
  -ldflags "-s -w -X $MODULE/internal.Version=$VERSION" \
  -o "$BIN.tmp" "$MODULE/cmd") >&2
mv "$BIN.tmp" "$BIN"
log "$VERSION: built in $((SECONDS - start))s: $("$BIN" version 2>/dev/null || echo '?')"
echo "$BIN"
