#!/usr/bin/env bash
# Benchmark (not a test): the app image's size next to a single-stage build of the same app on the
# same base, i.e. what app/Dockerfile would weigh without its build stage (compilers, dev
# dependencies and sources left in). Needs the Docker engine and the stand-in Node image.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=/dev/null
source "${MICROBLOG_CACHE_DIR:-$HOME/.cache/microblog}/images/tags.env"
BASE="${BASE_IMAGE:-$MICROBLOG_E2E_NODE_SLIM_IMAGE}"
CA="$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -a "$REPO/app/." "$work/"
rm -rf "$work/node_modules" "$work/dist"
# The single-stage variant: one FROM, the build stage's steps, nothing pruned or left behind.
cat >"$work/Dockerfile.single" <<DOCKERFILE
ARG BASE_IMAGE
FROM \${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++
WORKDIR /app
COPY . .
ARG EXTRA_CA_CERT=""
RUN if [ -n "\$EXTRA_CA_CERT" ]; then printf '%s\n' "\$EXTRA_CA_CERT" > /tmp/ca.pem; \
      export NODE_EXTRA_CA_CERTS=/tmp/ca.pem; fi; \
    npm_config_build_from_source=true npm_config_nodedir=/usr/local npm ci --no-audit --no-fund \
    && npx tsc -p tsconfig.build.json
USER 10001:10001
ENTRYPOINT ["/app/boot.sh"]
DOCKERFILE
size() { docker image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f", $1/1000000}'; }
t0=$(date +%s)
docker build -q -t microblog-bench/app:multi --build-arg "BASE_IMAGE=$BASE" \
  --build-arg "EXTRA_CA_CERT=$CA" "$work" >/dev/null
t1=$(date +%s)
docker build -q -t microblog-bench/app:single -f "$work/Dockerfile.single" \
  --build-arg "BASE_IMAGE=$BASE" --build-arg "EXTRA_CA_CERT=$CA" "$work" >/dev/null
t2=$(date +%s)
multi=$(size microblog-bench/app:multi)
single=$(size microblog-bench/app:single)
base=$(size "$BASE")
echo "| $(date -u +%F) | $BASE ($base MB) | $multi MB | $single MB | $((100 * multi / single))% | $((t1 - t0)) s / $((t2 - t1)) s |"
docker rmi microblog-bench/app:multi microblog-bench/app:single >/dev/null
