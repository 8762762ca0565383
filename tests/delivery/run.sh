#!/usr/bin/env bash
# Delivery checks, one command: actionlint on the workflows, the preview-summary tests, and the
# policy pack's tests (installing policy/ from its lockfile when needed).
#   bash tests/delivery/run.sh
# Prints one progress line per step with its duration; exits non-zero when any step fails.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
cd "$ROOT"

failed=()
step() { # step <label> <command...>
  local label="$1" t rc
  shift
  t=$(date +%s)
  echo "delivery: $label ..."
  set +e
  "$@"
  rc=$?
  set -e
  if [[ $rc -eq 0 ]]; then
    echo "delivery: $label ok ($(($(date +%s) - t)) s)"
  else
    echo "delivery: $label FAILED, exit $rc ($(($(date +%s) - t)) s)"
    failed+=("$label")
  fi
}

policy_deps() {
  # Reinstall only when the lockfile changed since the last install (stamp in node_modules).
  local stamp=policy/node_modules/.lock.sha256 sum
  sum=$(sha256sum policy/package-lock.json | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$sum" ]]; then
    echo "delivery: policy/node_modules matches package-lock.json"
    return 0
  fi
  npm ci --no-audit --no-fund --prefix policy
  echo "$sum" >"$stamp"
}

step "actionlint (.github/workflows)" bash scripts/ci/actionlint.sh
step "preview-summary tests" node --import tsx --test --test-reporter=spec tests/delivery/*.test.ts
step "policy dependencies (npm ci)" policy_deps
step "policy typecheck" bash -c 'cd policy && npx tsc --noEmit -p .'
step "policy tests" npm --prefix policy test --silent

if ((${#failed[@]} > 0)); then
  echo "delivery: failed steps: ${failed[*]}"
  exit 1
fi
echo "delivery: all steps passed"
