#!/usr/bin/env bash
# Installs what the tests and the local deploy need on Debian 12 or Ubuntu 24.04 (as root):
# distribution packages, the root npm dependencies. Every step is skipped when already done.
#   setup.sh          everything the test suite needs
#   setup.sh deploy   only what `scripts/up-dev.sh` needs (npm dependencies; Docker if absent)
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT=setup
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
t0=$(date +%s)
MODE="${1:-all}"
case "$MODE" in all | deploy) ;; *) echo "usage: $0 [all|deploy]" >&2 && exit 2 ;; esac

# Same packages on both distributions, except where a name or a packaging differs.
APT_PACKAGES=(curl ca-certificates)
# A Docker engine already installed (Docker CE on GitHub's runners, Docker Desktop) is kept:
# docker.io would conflict with containerd.io.
command -v docker >/dev/null || APT_PACKAGES+=(docker.io)
if [ "$MODE" = all ]; then
  APT_PACKAGES+=(mariadb-server mariadb-client debootstrap docker-registry apache2-utils
    shellcheck unzip python3-venv openjdk-17-jre-headless)
  # Ubuntu's `chromium` is a snap wrapper that does not run in containers or CI; a Chrome or
  # Chromium already on the machine is used instead (the browser test finds it).
  if ! command -v chromium >/dev/null && ! command -v google-chrome >/dev/null &&
    ! command -v chromium-browser >/dev/null; then
    APT_PACKAGES+=(chromium)
  fi
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -720 2>/dev/null)" ]; then
    apt-get -o DPkg::Lock::Timeout=600 update -qq
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts packaged daemons on install; the tests run their own instances on their own
  # ports and data dirs, so stop only the ones this run just installed.
  for pkg in "${missing[@]}"; do
    case "$pkg" in
    mariadb-server) service mariadb stop >/dev/null 2>&1 || true ;;
    docker-registry) service docker-registry stop >/dev/null 2>&1 || true ;;
    esac
  done
else
  step "Debian packages present"
fi

# Root dependencies: reinstall only when the lockfile changed.
stamp=node_modules/.microblog-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "npm ci (root)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
else
  step "root node_modules up to date"
fi
# The policy pack's dependencies: the root type check reaches its rules through the unit tests
# that run them on the program's resources. Same stamp as tests/delivery/run.sh.
stamp=policy/node_modules/.lock.sha256
want=$(sha256sum policy/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "npm ci (policy)"
  npm ci --prefix policy --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
else
  step "policy node_modules up to date"
fi
step "done in $(($(date +%s) - t0))s"
