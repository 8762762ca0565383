#!/usr/bin/env bash
# Smoke test of the locally built Pulumi engine: a TypeScript ES-module program with a
# random.RandomPassword and, when a Docker engine answers, a docker.Network and a
# docker.Container from a locally imported busybox image. Runs in a temp dir outside the
# repo: login file://, stack init, up, preview --expect-no-changes, preview --json, destroy.
#   harness/engine/smoke.sh            # keeps nothing (temp dir removed at exit)
#   SMOKE_KEEP=1 harness/engine/smoke.sh  # keep the temp dir
#   SMOKE_DOCKER=0 harness/engine/smoke.sh  # skip the Docker resources
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
IMAGE=microblog-engine-smoke-busybox:1
log() { printf '[engine/smoke] %s\n' "$*"; }
die() { printf '[engine/smoke] ERROR: %s\n' "$*" >&2; exit 1; }

# timed NAME CMD...: runs CMD, printing one line with its duration.
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@" >"$WORK/$name.log" 2>&1 || { tail -n 40 "$WORK/$name.log" >&2; die "$name failed"; }
  log "$name: ok in $((SECONDS - start))s"
}

[[ -d $REPO/node_modules/@pulumi/pulumi ]] || die "run npm install at $REPO first"
# shellcheck source=harness/engine/env.sh
source "$HERE/env.sh"

WORK=$(mktemp -d /tmp/engine-smoke.XXXXXX)
stack=""
cleanup() {
  local rc=$?
  # On failure, remove what the stack created before its state goes away with $WORK.
  if [[ $rc != 0 && -n $stack ]]; then
    (cd "$WORK/prog" && pulumi destroy --yes --non-interactive --skip-preview -s "$stack") \
      >"$WORK/cleanup-destroy.log" 2>&1 || log "cleanup destroy failed; see $WORK/cleanup-destroy.log"
  fi
  if [[ -n ${SMOKE_KEEP:-} || ($rc != 0 && -n $stack) ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$WORK/prog" "$WORK/state"
export PULUMI_CONFIG_PASSPHRASE=smoke-only-passphrase
export PULUMI_BACKEND_URL="file://$WORK/state"

with_docker=false
if [[ ${SMOKE_DOCKER:-1} != 0 ]] && docker info >/dev/null 2>&1; then
  with_docker=true
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    [[ -x /bin/busybox ]] || apt-get -o DPkg::Lock::Timeout=600 install -y busybox-static >/dev/null
    mkdir -p "$WORK/rootfs/bin"
    cp /bin/busybox "$WORK/rootfs/bin/"
    for a in sh sleep; do ln -s busybox "$WORK/rootfs/bin/$a"; done
    tar -C "$WORK/rootfs" -c . | docker import - "$IMAGE" >/dev/null
  fi
else
  log "Docker part skipped (SMOKE_DOCKER=0 or no engine answers): random only"
fi

cd "$WORK/prog"
ln -s "$REPO/node_modules" node_modules
cat >package.json <<'EOF'
{ "name": "engine-smoke", "private": true, "type": "module", "main": "index.ts" }
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "skipLibCheck": true, "types": ["node"]
  },
  "include": ["index.ts"]
}
EOF
# The runtime block the project's programs use: tsx loads the ES-module TypeScript;
# type checking is left to `tsc --noEmit`.
cat >Pulumi.yaml <<'EOF'
name: engine-smoke
runtime:
  name: nodejs
  options:
    typescript: false
    nodeargs: "--import tsx"
EOF
cat >index.ts <<'EOF'
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as docker from "@pulumi/docker";

const config = new pulumi.Config();
const stack = pulumi.getStack();
const password = new random.RandomPassword("password", { length: 20, special: false });

function container(image: string): pulumi.Output<string> {
  const network = new docker.Network("net", { name: `engine-smoke-${stack}` });
  const box = new docker.Container("box", {
    name: `engine-smoke-box-${stack}`,
    image,
    command: ["/bin/sleep", "3600"],
    envs: [pulumi.interpolate`SECRET=${password.result}`],
    networksAdvanced: [{ name: network.name }],
    // Without memorySwap, Docker sets 2x memory, which the provider reads back as a
    // change: the next preview would propose an update.
    memory: 64,
    memorySwap: 64,
  });
  return box.id;
}

const image = config.get("image");
export const containerId = image ? container(image) : "none";
export const passwordLength = password.length;
export const passwordSecret = password.result;
EOF

stack="smoke$$"
timed stack-init pulumi stack init "$stack" --non-interactive
$with_docker && pulumi config set image "$IMAGE" >/dev/null
timed up pulumi up --yes --non-interactive --skip-preview
if $with_docker; then
  id=$(pulumi stack output containerId)
  [[ $(docker inspect -f '{{.State.Running}}' "$id") == true ]] || die "container $id is not running"
  docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$id" | grep -q '^SECRET=.\{20\}$' ||
    die "container env lacks the 20-character secret"
  log "container $id runs with the secret in its env"
fi
timed preview-no-changes pulumi preview --expect-no-changes --non-interactive
pulumi preview --json --non-interactive >"$WORK/preview.json" 2>"$WORK/preview-json.err" ||
  { cat "$WORK/preview-json.err" >&2; die "preview --json failed"; }
node -e '
  const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const s = j.changeSummary || {};
  if (Object.keys(s).some((k) => k !== "same")) { console.error(s); process.exit(1); }
  console.log("[engine/smoke] preview --json: " + j.steps.length + " steps, " + JSON.stringify(s));
' "$WORK/preview.json"
timed destroy pulumi destroy --yes --non-interactive --skip-preview
if $with_docker && docker ps -a --format '{{.Names}}' | grep -qx "engine-smoke-box-$stack"; then
  die "container survived destroy"
fi
timed stack-rm pulumi stack rm "$stack" --yes --non-interactive
log "passed"
