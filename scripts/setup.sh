#!/usr/bin/env bash
# Installs what the tests and the local deploy need on a fresh Debian machine (as root):
# Debian packages, the root npm dependencies. Every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { echo "--> setup: $*"; }
t0=$(date +%s)

APT_PACKAGES=(docker.io mariadb-server mariadb-client chromium debootstrap docker-registry
  apache2-utils shellcheck curl unzip ca-certificates python3-venv openjdk-17-jre-headless)
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
step "done in $(($(date +%s) - t0))s"
