#!/usr/bin/env bash
# Regenerates the preview-summary fixtures from the real engine (see fixtures/README.md).
#   bash tests/delivery/make-fixtures.sh
# Needs: the Pulumi CLI with the random and docker plugins (harness/engine/build.sh, then
# `source harness/engine/env.sh`, or `pulumi` already on PATH), a Docker engine
# (harness/services/dockerd.sh start), and a local image with `sleep` (FIXTURE_IMAGE).
# Deploys stage 1 of tests/delivery/fixture-program under a file:// backend in a temp dir,
# previews stage 2 (and stage 1 again, and stage 1 with the policy pack), then destroys.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
OUT="$ROOT/tests/delivery/fixtures"
IMAGE="${FIXTURE_IMAGE:-microblog-e2e/debian:bookworm}"
WORK="${FIXTURE_WORK:-/tmp/microblog-delivery-fixtures}"
STACK=fx

die() {
  echo "make-fixtures: error: $*" >&2
  exit 1
}
t0=$(date +%s)
phase() { echo "make-fixtures: $1 ($(($(date +%s) - t0)) s)"; }

if ! command -v pulumi >/dev/null && [[ -f "$ROOT/harness/engine/env.sh" ]]; then
  # shellcheck source=/dev/null
  source "$ROOT/harness/engine/env.sh"
fi
command -v pulumi >/dev/null || die "no pulumi CLI: run harness/engine/build.sh, then source harness/engine/env.sh"
docker info >/dev/null 2>&1 || die "no Docker engine: run harness/services/dockerd.sh start"
docker image inspect "$IMAGE" >/dev/null 2>&1 || die "image $IMAGE is missing: build it (harness/images/build.sh) or set FIXTURE_IMAGE"
phase "pulumi $(pulumi version), docker $(docker version -f '{{.Server.Version}}'), image $IMAGE"

rm -rf "$WORK"
mkdir -p "$WORK/program" "$WORK/state"
cp -r "$ROOT"/tests/delivery/fixture-program/{Pulumi.yaml,package.json,index.ts,image} "$WORK/program/"
ln -s "$ROOT/node_modules" "$WORK/program/node_modules"
export PULUMI_BACKEND_URL="file://$WORK/state"
export PULUMI_CONFIG_PASSPHRASE=fixture-passphrase
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
cd "$WORK/program"

cleanup() {
  pulumi destroy --yes --non-interactive --stack "$STACK" >"$WORK/destroy.log" 2>&1 || true
  pulumi stack rm --yes --force --stack "$STACK" >/dev/null 2>&1 || true
  docker image rm "delivery-$STACK-image:2" >/dev/null 2>&1 || true
}
trap cleanup EXIT

pulumi stack init "$STACK" --non-interactive >/dev/null 2>&1
pulumi config set stage 1
pulumi config set image "$IMAGE"
pulumi up --yes --non-interactive --skip-preview >"$WORK/up.log" 2>&1 || { tail -30 "$WORK/up.log"; die "up of stage 1 failed"; }
phase "stage 1 deployed"

preview() { # preview <name> [args...]: JSON to fixtures/<name>.json, stderr to the work dir
  local name="$1" rc=0
  shift
  pulumi preview --json --non-interactive "$@" >"$OUT/$name.json" 2>"$WORK/$name.err" || rc=$?
  echo "$rc" >"$WORK/$name.rc"
  phase "preview $name: exit $rc, $(wc -c <"$OUT/$name.json") bytes"
}

preview after-up
# --json leaves policy results out (a failing pack only says "preview failed"), so the pack's
# report comes from a text preview; the workflow does the same.
preview policy-fx --policy-pack "$ROOT/policy"
rc=0
pulumi preview --non-interactive --policy-pack "$ROOT/policy" >"$OUT/policy-fx.txt" 2>&1 || rc=$?
phase "text preview with the policy pack: exit $rc"
pulumi config set stage 2
preview changes
preview changes-replacement-steps --show-replacement-steps

# The generated password must not appear anywhere in what is committed.
secret=$(pulumi stack output --show-secrets dbPassword)
[[ ${#secret} -ge 16 ]] || die "could not read the generated password to check the fixtures"
if grep -rqF -- "$secret" "$OUT"; then die "a fixture contains the generated password"; fi
# Paths of this machine's temp dir are noise in the fixtures.
sed -i "s|$WORK|/tmp/fixture|g" "$OUT"/*.json "$OUT"/*.txt
(cd "$ROOT" && npx prettier --write "$OUT"/*.json >/dev/null)
phase "fixtures written to $OUT (generated password absent)"
