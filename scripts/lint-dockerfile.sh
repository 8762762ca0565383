#!/usr/bin/env bash
# Dockerfile lint: syntax and semantics with dockerfile-utils, then the project's container rules
# (CIS Docker 4.x): multi-stage, base image from a build ARG with a pinned default, non-root USER,
# HEALTHCHECK, exec-form ENTRYPOINT, no `latest` tags.
set -euo pipefail
file="${1:?usage: lint-dockerfile.sh <Dockerfile>}"
cd "$(dirname "$0")/.."
npx --no-install dockerfile-utils lint "$file"
problems=()
[ "$(grep -cE '^FROM ' "$file")" -ge 2 ] || problems+=("not multi-stage (needs 2+ FROM)")
grep -qE '^ARG BASE_IMAGE=[^[:space:]]+:[^[:space:]]+' "$file" ||
  problems+=("no 'ARG BASE_IMAGE=<image>:<tag>' with a pinned default")
grep -vE '^[[:space:]]*#' "$file" | grep -qiE ':latest([@[:space:]]|$)' && problems+=("uses a 'latest' tag")
last_user=$( (grep -E '^USER ' "$file" || true) | tail -1 | awk '{print $2}')
case "$last_user" in
"" | root | 0 | 0:0) problems+=("final USER is '${last_user:-unset}', must be non-root") ;;
esac
grep -qE '^HEALTHCHECK ' "$file" || problems+=("no HEALTHCHECK")
grep -qE '^ENTRYPOINT \[' "$file" || problems+=("ENTRYPOINT is not exec form")
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "$file: $p" >&2; done
  exit 1
fi
echo "dockerfile lint: $file ok"
