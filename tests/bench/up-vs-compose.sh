#!/usr/bin/env bash
# Benchmark (not a test): `pulumi up` of the dev stack against `docker compose up --wait` of the
# same containers on the same Docker engine, in turn, plus a no-op `up` and an app-only update.
#   bash tests/bench/up-vs-compose.sh [--pairs N] [--noop N] [--app-updates N] [--earlier-design]
# --earlier-design adds a third arm to each pair: the same Compose file with the design before
# issue #13 (every health check every 10 s, the app after MySQL and search).
# The engine, images and Docker daemon come as for the e2e suite (harness/engine, harness/images,
# harness/services/dockerd.sh); Compose v2 from harness/compose/build.sh (Go module proxy).
# BENCH_REPO=<checkout> measures another checkout of this project (e.g. an earlier commit) with
# this script. Everything it writes is under $BENCH_WORK (default /tmp/microblog-bench); it
# removes what it created, and prints its figures (also $BENCH_WORK/results.json).
set -euo pipefail
HERE="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$HERE"
export BENCH_REPO="${BENCH_REPO:-$HERE}"
export BENCH_WORK="${BENCH_WORK:-/tmp/microblog-bench}"
mkdir -p "$BENCH_WORK"

# shellcheck source=/dev/null
source harness/node/use.sh >&2 || exit $?
# shellcheck source=/dev/null
source harness/engine/use.sh || exit $?
bash harness/services/dockerd.sh start >&2
# shellcheck source=/dev/null
source harness/images/use.sh elasticsearch
BENCH_COMPOSE="$(bash harness/compose/build.sh | tail -n 1)"
export BENCH_COMPOSE
# Behind a TLS-intercepting proxy the app build needs the locally added CAs (as run.sh does).
BENCH_CA_FILE="$BENCH_WORK/local-cas.pem"
cat /usr/local/share/ca-certificates/*.crt >"$BENCH_CA_FILE" 2>/dev/null || true
[ -s "$BENCH_CA_FILE" ] || BENCH_CA_FILE=""
export BENCH_CA_FILE
exec node --import tsx tests/bench/up-vs-compose.ts "$@"
