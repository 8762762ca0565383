#!/usr/bin/env bash
# End-to-end suite: a real Pulumi engine deploys the dev stack's configuration onto a real Docker
# engine, with the app image pushed to a registry with basic auth; then an OpenSearch variant.
# The engine is the `pulumi` on PATH (the official install, plugins acquired by the CLI) or, on a
# machine without one, the engine the offline harness builds (harness/engine). The images are the
# official ones when their registries answer, else the stand-ins harness/images builds.
# It runs on the node on PATH when that is 22 or later, else on Node.js 24 from the npm registry
# (harness/node). Switches: MICROBLOG_ENGINE=auto|official|built,
# MICROBLOG_IMAGES=auto|official|stand-in, MICROBLOG_NODE=auto|system.
# Exit 3 = blocked (no engine can be had here). The closing report (engine, images, result) goes
# to stdout and to $E2E_REPORT (default $E2E_WORK/report.txt), which scripts/test.sh repeats last.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$REPO"
WORK="${E2E_WORK:-/tmp/microblog-e2e}"
REPORT="${E2E_REPORT:-$WORK/report.txt}"
mkdir -p "$WORK" "$(dirname "$REPORT")"
: >"$REPORT"
t_all=$(date +%s)
phase() { echo "==> e2e: $1"; PHASE_T0=$(date +%s); }
done_phase() { echo "    done in $(($(date +%s) - PHASE_T0))s"; }
report() { echo "$*" | tee -a "$REPORT"; }

phase "Pulumi engine"
rc=0
# shellcheck source=/dev/null
source harness/engine/use.sh || rc=$?
if [ "$rc" = 3 ]; then
  report "e2e: BLOCKED: no Pulumi engine here (no pulumi on PATH, and the harness cannot build"
  report "     the language host or provider plugins on this machine; see above). The deploy"
  report "     suite did NOT run: nothing was deployed or checked end to end."
  exit 3
fi
[ "$rc" = 0 ] || exit "$rc"
report "e2e engine: $MICROBLOG_ENGINE_DESC"
done_phase

phase "Node.js (the users' version: 22 or later)"
# shellcheck source=/dev/null
source harness/node/use.sh || exit $?
report "e2e node: $MICROBLOG_NODE_DESC"
done_phase

phase "policy pack dependencies"
stamp=policy/node_modules/.lock.sha256 # same stamp as tests/delivery/run.sh
want=$(sha256sum policy/package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --prefix policy --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
done_phase

phase "Docker engine"
started_dockerd=0
if ! docker info >/dev/null 2>&1; then started_dockerd=1; fi
bash harness/services/dockerd.sh start
done_phase

phase "images (official when pullable, else stand-ins)"
# shellcheck source=/dev/null
source harness/images/use.sh elasticsearch opensearch
report "e2e images: $MICROBLOG_IMAGES_DESC"
done_phase

phase "local registry with basic auth"
export REGISTRY_USER=e2e
REGISTRY_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
export REGISTRY_PASSWORD
# An empty registry each run: a previous run's image under the same source tag would be pulled
# as build cache and left behind as a dangling image.
bash harness/services/registry.sh reset
bash harness/services/registry.sh start
done_phase

cleanup() {
  bash harness/services/registry.sh stop || true
  if [ "$started_dockerd" = 1 ] && [ "${E2E_KEEP_DOCKERD:-0}" != 1 ]; then
    bash harness/services/dockerd.sh stop || true
  fi
}
trap cleanup EXIT

phase "image contracts the program relies on ($MICROBLOG_IMAGES_KIND images)"
rc_contracts=0
node --import tsx --test --test-reporter=spec --test-concurrency=1 tests/e2e/image-contracts.test.ts ||
  rc_contracts=$?
done_phase

phase "ECS rollout watch (real engine and AWS SDK, local ECS endpoint)"
rc_rollout=0
node --import tsx --test --test-reporter=spec --test-concurrency=1 tests/e2e/rollout.test.ts ||
  rc_rollout=$?
done_phase

phase "deploy suite (real pulumi up / preview / destroy)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
E2E_APP_PORT="$(free_port)"
export E2E_REPO="$REPO" E2E_WORK="$WORK" E2E_APP_PORT
export E2E_IMAGES_KIND="$MICROBLOG_IMAGES_KIND"
# Stand-ins are set as stack config; with official images the stack keeps the program's
# defaults, exactly what a user gets.
if [ "$MICROBLOG_IMAGES_KIND" = stand-in ]; then
  export E2E_MYSQL_IMAGE="$MICROBLOG_MYSQL_IMAGE" E2E_NODE_IMAGE="$MICROBLOG_NODE_IMAGE"
  export E2E_ELASTICSEARCH_IMAGE="$MICROBLOG_ELASTICSEARCH_IMAGE"
  export E2E_OPENSEARCH_IMAGE="$MICROBLOG_OPENSEARCH_IMAGE"
fi
export E2E_REGISTRY="127.0.0.1:${REGISTRY_PORT:-5001}" E2E_REGISTRY_USER="$REGISTRY_USER"
export E2E_REGISTRY_PASSWORD="$REGISTRY_PASSWORD"
# Behind a TLS-intercepting proxy the app build fetches npm packages through it: hand the build
# the CAs added locally to the trust store (not the whole bundle, too big for a build arg).
E2E_CA_FILE="$WORK/local-cas.pem"
cat /usr/local/share/ca-certificates/*.crt >"$E2E_CA_FILE" 2>/dev/null || true
[ -s "$E2E_CA_FILE" ] || E2E_CA_FILE=""
export E2E_CA_FILE
rm -rf "$WORK/state" && mkdir -p "$WORK/state"
rc_deploy=0
node --import tsx --test --test-reporter=spec --test-concurrency=1 \
  tests/e2e/deploy.test.ts tests/e2e/opensearch.test.ts || rc_deploy=$?
done_phase
verdict=passed
[ "$rc_contracts" = 0 ] && [ "$rc_rollout" = 0 ] && [ "$rc_deploy" = 0 ] || verdict=FAILED
report "e2e result: $verdict (image contracts exit $rc_contracts, rollout watch exit $rc_rollout, deploy exit $rc_deploy) in $(($(date +%s) - t_all))s"
[ "$verdict" = passed ]
