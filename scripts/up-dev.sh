#!/usr/bin/env bash
# The main job on one machine: `pulumi up` of the dev stack (local Docker).
#   bash scripts/up-dev.sh                    # official images when they can be pulled, else
#                                             # the stand-ins of the offline harness
#   bash scripts/up-dev.sh --official-images  # official images or fail
#   bash scripts/up-dev.sh --stand-in-images  # the stand-ins built by harness/images/
# With a `pulumi` on PATH (the official install) it is used as it is; without one the offline
# harness builds the engine (harness/engine/). It starts a Docker engine if none answers.
#
# It never edits a tracked file. The stack's config comes from the committed Pulumi.dev.yaml,
# copied with this machine's extras (stand-in images, a proxy CA for the app build) into a private
# stack file, $MICROBLOG_HOME/stacks/Pulumi.dev.yaml, used through `--config-file`; that file also
# keeps the stack's own encryption salt. State goes to $PULUMI_BACKEND_URL (default: a file backend
# in ~/.pulumi-microblog); the passphrase to $PULUMI_CONFIG_PASSPHRASE(_FILE) (default: a generated
# file, mode 600, in $MICROBLOG_HOME). MICROBLOG_HOME defaults to ~/.config/microblog.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO"
STACK=dev
IMAGES="${MICROBLOG_IMAGES:-auto}"
for arg in "$@"; do
  case "$arg" in
  --stand-in-images) IMAGES=stand-in ;;
  --official-images) IMAGES=official ;;
  *) echo "usage: $0 [--official-images | --stand-in-images]" >&2 && exit 2 ;;
  esac
done
SCRIPT=up-dev
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"
HOME_DIR="${MICROBLOG_HOME:-$HOME/.config/microblog}"
STACK_FILE="$HOME_DIR/stacks/Pulumi.$STACK.yaml"

step "prerequisites (npm ci when the lockfile changed)"
bash scripts/setup.sh deploy
step "Node.js"
# shellcheck source=/dev/null
source harness/node/use.sh || exit $?
step "Pulumi engine"
# shellcheck source=/dev/null
source harness/engine/use.sh || exit $?
step "Docker engine"
docker info >/dev/null 2>&1 || bash harness/services/dockerd.sh start

# The passphrase file, generated on the first run; the other scripts (backup-dev.sh,
# restore-dev.sh) find it through the same defaults (dev_pulumi_env in lib.sh).
pass_file="$HOME_DIR/passphrase"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] &&
  [ ! -s "$pass_file" ]; then
  mkdir -p "$HOME_DIR"
  (umask 077 && head -c 24 /dev/urandom | base64 >"$pass_file")
  step "generated a stack passphrase in $pass_file (keep it: it decrypts the stack's secrets)"
fi
dev_pulumi_env
if [[ "$PULUMI_BACKEND_URL" == file://* ]]; then mkdir -p "${PULUMI_BACKEND_URL#file://}"; fi

# The search engine the stack asks for (the program's default is elasticsearch).
# The committed file wins; else a value set in the private stack file with `pulumi config set`.
engine_in() { sed -n 's/^ *microblog-infra:searchEngine: *"\{0,1\}\([a-z]*\).*/\1/p' "$1" 2>/dev/null; }
engine="$(engine_in "Pulumi.$STACK.yaml")"
engine="${engine:-$(engine_in "$STACK_FILE")}"
engine="${engine:-elasticsearch}"
# The keys this script manages are always written: set, or empty to remove an earlier value.
extras=(mysqlImage= searchImage= appBaseImage= appBuildCaCertFile=)
step "images for mysql, node and $engine ($IMAGES)"
# shellcheck source=/dev/null
MICROBLOG_IMAGES="$IMAGES" source harness/images/use.sh "$engine"
if [ "$MICROBLOG_IMAGES_KIND" = stand-in ]; then
  search_image=MICROBLOG_${engine^^}_IMAGE
  extras+=("mysqlImage=$MICROBLOG_MYSQL_IMAGE" "searchImage=${!search_image}"
    "appBaseImage=$MICROBLOG_NODE_IMAGE")
fi
# Behind a TLS-intercepting proxy the app build needs the proxy's CA: the locally added CAs.
local_cas="$HOME_DIR/local-cas.pem"
mkdir -p "$HOME_DIR"
cat /usr/local/share/ca-certificates/*.crt >"$local_cas" 2>/dev/null || true
if [ -s "$local_cas" ]; then extras+=("appBuildCaCertFile=$local_cas"); fi

shown=()
for kv in "${extras[@]}"; do [[ $kv == *= ]] || shown+=("$kv"); done
step "stack file $STACK_FILE (Pulumi.$STACK.yaml plus: ${shown[*]:-nothing})"
if ! pulumi stack select "$STACK" --non-interactive >/dev/null 2>&1; then
  # `pulumi stack init` writes the new stack's salt into Pulumi.<stack>.yaml next to Pulumi.yaml:
  # create the stack from a scratch copy of the project file and keep that salt privately.
  scratch="$(mktemp -d)"
  cp Pulumi.yaml "$scratch/"
  (cd "$scratch" && pulumi stack init "$STACK" --non-interactive)
  mkdir -p "$(dirname "$STACK_FILE")"
  cp "$scratch/Pulumi.$STACK.yaml" "$STACK_FILE"
  rm -rf "$scratch"
  pulumi stack select "$STACK" --non-interactive
fi
node --import tsx scripts/stack-file.ts "Pulumi.$STACK.yaml" "$STACK_FILE" "${extras[@]}"

step "pulumi up ($STACK)"
# --yes approves whatever the preview shows, so the preview would only run the program and start
# the providers a second time before the first container: skipped. `pulumi preview` (below) shows
# the plan when wanted. --refresh first reads every resource back from Docker, so a container
# stopped or removed by hand is started or created again (about 2 s more: the docker provider
# waits that long before it reads the network).
pulumi up --yes --skip-preview --refresh --stack "$STACK" --config-file "$STACK_FILE" \
  --non-interactive --suppress-progress
step "Microblog is at $(pulumi stack output url --stack "$STACK")"
step "later commands take the same file: pulumi preview --stack $STACK --config-file $STACK_FILE"
