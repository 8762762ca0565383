#!/usr/bin/env bash
# The main job on one machine: `pulumi up` of the dev stack (local Docker).
#   bash scripts/up-dev.sh                    # official images (needs Docker Hub / elastic.co)
#   bash scripts/up-dev.sh --stand-in-images  # machines without image registries: builds the
#                                             # test-fixture images here and points dev at them
# Uses the `pulumi` on PATH, or builds the engine from the Go module proxy when there is none;
# starts a Docker engine if none answers. State goes to $PULUMI_BACKEND_URL (default: a file
# backend in ~/.pulumi-microblog); the passphrase to $PULUMI_CONFIG_PASSPHRASE(_FILE) (default: a
# generated file, mode 600, in ~/.config/microblog/).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
STAND_IN=0
for arg in "$@"; do
  case "$arg" in
  --stand-in-images) STAND_IN=1 ;;
  *) echo "usage: $0 [--stand-in-images]" >&2 && exit 2 ;;
  esac
done
step() { echo "==> up-dev: $*"; }

step "prerequisites"
bash scripts/setup.sh
if ! command -v pulumi >/dev/null; then
  step "no pulumi on PATH: building the engine (cached after the first run)"
  bash tests/e2e/engine/build.sh
  # shellcheck source=/dev/null
  source tests/e2e/engine/env.sh
fi
docker info >/dev/null 2>&1 || bash tests/services/dockerd.sh start

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-microblog}"
if [[ "$PULUMI_BACKEND_URL" == file://* ]]; then mkdir -p "${PULUMI_BACKEND_URL#file://}"; fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  pass_file="$HOME/.config/microblog/passphrase"
  if [ ! -s "$pass_file" ]; then
    mkdir -p "$(dirname "$pass_file")"
    (umask 077 && head -c 24 /dev/urandom | base64 >"$pass_file")
    step "generated a stack passphrase in $pass_file (keep it: it decrypts the stack's secrets)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$pass_file"
fi
pulumi stack select dev --create --non-interactive

if [ "$STAND_IN" = 1 ]; then
  step "stand-in images (built here; see tests/e2e/images/README.md)"
  bash tests/e2e/images/build.sh
  # shellcheck source=/dev/null
  source "${MICROBLOG_CACHE_DIR:-$HOME/.cache/microblog}/images/tags.env"
  pulumi config set mysqlImage "$MICROBLOG_E2E_MARIADB_IMAGE"
  pulumi config set searchImage "$MICROBLOG_E2E_ELASTICSEARCH_IMAGE"
  pulumi config set appBaseImage "$MICROBLOG_E2E_NODE_SLIM_IMAGE"
  # Behind a TLS-intercepting proxy the app build needs the proxy's CA: the locally added CAs.
  local_cas="$HOME/.config/microblog/local-cas.pem"
  mkdir -p "$(dirname "$local_cas")"
  cat /usr/local/share/ca-certificates/*.crt >"$local_cas" 2>/dev/null || true
  if [ -s "$local_cas" ]; then pulumi config set appBuildCaCertFile "$local_cas"; fi
  step "Pulumi.dev.yaml now names the stand-in images (git diff shows it)"
fi

step "pulumi up (dev)"
pulumi up --yes --stack dev --non-interactive
step "Microblog is at $(pulumi stack output url --stack dev)"
