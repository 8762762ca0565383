#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint, built from the Go module proxy.
#   scripts/ci/actionlint.sh [extra actionlint args]
# Builds github.com/rhysd/actionlint/cmd/actionlint at a pinned version once and caches the
# binary under ~/.cache/microblog/actionlint/<version>/. shellcheck (Debian) is installed when
# missing so actionlint also checks the `run:` scripts. Exits non-zero on any finding.
# Env: ACTIONLINT_VERSION (default below), MICROBLOG_CACHE (default ~/.cache/microblog).
set -euo pipefail

VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
CACHE="${MICROBLOG_CACHE:-$HOME/.cache/microblog}/actionlint/$VERSION"
BIN="$CACHE/actionlint"

die() {
  echo "actionlint.sh: error: $*" >&2
  exit 1
}
phase() { # phase <label> <start-seconds>
  echo "actionlint.sh: $1 ($(($(date +%s) - $2)) s)"
}

t=$(date +%s)
if [[ ! -x "$BIN" ]]; then
  command -v go >/dev/null || die "go is not on PATH; install Go 1.22+ to build actionlint"
  mkdir -p "$CACHE"
  # A private GOPATH/GOBIN keeps the build out of the user's module cache layout problems and
  # makes the cached binary the only artefact.
  GOBIN="$CACHE" GOFLAGS="${GOFLAGS:--p=2}" CGO_ENABLED=0 \
    go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" ||
    die "building actionlint $VERSION from the Go module proxy failed"
  [[ -x "$BIN" ]] || die "go install finished but $BIN is missing"
  phase "built actionlint $VERSION into $CACHE" "$t"
else
  phase "actionlint $VERSION cached at $BIN" "$t"
fi

t=$(date +%s)
if ! command -v shellcheck >/dev/null; then
  if command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq shellcheck >/dev/null 2>&1 ||
      { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null &&
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq shellcheck >/dev/null; } ||
      die "could not install shellcheck with apt-get"
    phase "installed shellcheck" "$t"
  else
    echo "actionlint.sh: shellcheck not found; run: scripts are not checked" >&2
  fi
else
  phase "shellcheck $(shellcheck --version | sed -n 's/^version: //p') found" "$t"
fi

t=$(date +%s)
cd "$ROOT"
shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
((${#files[@]} > 0)) || die "no workflow files under $ROOT/.github/workflows"
if "$BIN" -no-color "$@" "${files[@]}"; then
  phase "${#files[@]} workflow file(s) clean" "$t"
else
  rc=$?
  phase "findings above (exit $rc)" "$t"
  exit "$rc"
fi
