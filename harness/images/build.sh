#!/usr/bin/env bash
# Builds the locally tagged images the end-to-end tests use instead of Docker Hub's (nothing
# can be pulled here). Each is skipped when its tag already exists (--force rebuilds).
#   build.sh [--force] [debian|node|mariadb|opensearch|elasticsearch ...]   (default: all)
# Tags (also written to ~/.cache/microblog/images/tags.env):
#   microblog-e2e/debian:bookworm                debootstrap minbase rootfs
#   microblog-e2e/node:$NODE_VERSION-bookworm     Node + npm + g++/make/python3 (like node:24-bookworm)
#   microblog-e2e/node:$NODE_VERSION-bookworm-slim  Node + npm only
#   microblog-e2e/mariadb:<Debian's 10.11.x>     mysql-image env contract
#   microblog-e2e/opensearch:$OPENSEARCH_VERSION  OpenSearch on OpenJDK 17
#   microblog-e2e/elasticsearch:$ELASTICSEARCH_VERSION  Elasticsearch on OpenJDK 17
# Env: NODE_VERSION (24.22.3), NPM_VERSION (11.21.2), OPENSEARCH_VERSION (2.19.6),
#      ELASTICSEARCH_VERSION (8.19.21), MARIADB_DEB_VERSION (Debian's candidate),
#      DEBIAN_MIRROR (default: the first Debian URI in the host's apt sources), MICROBLOG_CACHE_DIR.
set -euo pipefail
HERE="$(dirname "$(readlink -f "$0")")"
SERVICES="$(readlink -f "$HERE/../services")"
SERVICE_NAME=images
# shellcheck source=harness/services/lib.sh
. "$SERVICES/lib.sh"

NODE_VERSION="${NODE_VERSION:-24.22.3}"
NPM_VERSION="${NPM_VERSION:-11.21.2}"
OPENSEARCH_VERSION="${OPENSEARCH_VERSION:-2.19.6}"
ELASTICSEARCH_VERSION="${ELASTICSEARCH_VERSION:-8.19.21}"
# The host's own Debian mirror (deb822 sources first, then the classic list).
host_debian_mirror() {
  { grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources || true
    grep -hsE '^deb ' /etc/apt/sources.list || true; } |
    awk '{print $2}' | { grep -E '/debian/?$' || true; } | head -1 | sed 's:/$::'
}
DEBIAN_MIRROR="${DEBIAN_MIRROR:-$(host_debian_mirror)}"
CACHE="$MICROBLOG_CACHE_DIR/images"
DEBIAN_TAG=microblog-e2e/debian:bookworm
NODE_TAG="microblog-e2e/node:$NODE_VERSION-bookworm"
NODE_SLIM_TAG="microblog-e2e/node:$NODE_VERSION-bookworm-slim"
OPENSEARCH_TAG="microblog-e2e/opensearch:$OPENSEARCH_VERSION"
ELASTICSEARCH_TAG="microblog-e2e/elasticsearch:$ELASTICSEARCH_VERSION"
FORCE=0
SRC_HASH=""

# dbuild TAG DOCKER-BUILD-ARGS...: docker build quietly; its output is kept in a log that is
# shown when the build fails.
dbuild() {
  local tag="$1" log
  shift
  mkdir -p "$CACHE/logs"
  log="$CACHE/logs/$(echo "$tag" | tr '/:' '__').log"
  if ! docker build -t "$tag" --label "microblog.e2e.source-hash=$SRC_HASH" "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "docker build $tag failed; full log: $log"
  fi
}

# source_hash DIR: a digest of the build files in DIR (this repo's Dockerfile and scripts), kept
# in a label so an image is rebuilt when they change even though its tag stays the same.
source_hash() { find "$1" -type f ! -name README.md -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16; }

# have_image TAG [HASH]: the tag exists (and was built from sources with that hash).
have_image() {
  [ "$FORCE" = 0 ] || return 1
  docker image inspect "$1" >/dev/null 2>&1 || return 1
  [ -z "${2:-}" ] ||
    [ "$(docker image inspect -f '{{index .Config.Labels "microblog.e2e.source-hash"}}' "$1")" = "$2" ]
}

# mariadb_deb_version: the exact Debian package version to install (and to name the tag by).
mariadb_deb_version() {
  if [ -n "${MARIADB_DEB_VERSION:-}" ]; then
    echo "$MARIADB_DEB_VERSION"
    return
  fi
  local v
  v="$(apt-cache policy mariadb-server 2>/dev/null | awk '/Candidate:/ {print $2}')"
  if [ -z "$v" ] || [ "$v" = "(none)" ]; then
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null || die "apt-get update failed"
    v="$(apt-cache policy mariadb-server | awk '/Candidate:/ {print $2}')"
  fi
  if [ -z "$v" ] || [ "$v" = "(none)" ]; then
    die "cannot tell Debian's mariadb-server version"
  fi
  echo "$v"
}

build_debian() {
  if have_image "$DEBIAN_TAG"; then say "$DEBIAN_TAG present; skipped"; return; fi
  local tarball="$CACHE/debian-bookworm-minbase.tar" dir
  mkdir -p "$CACHE"
  if [ ! -s "$tarball" ] || [ "$FORCE" = 1 ]; then
    phase_start "debootstrap bookworm (minbase)"
    command -v debootstrap >/dev/null || apt_install debootstrap
    dir="$(mktemp -d /var/tmp/microblog-rootfs.XXXXXX)"
    # debootstrap mounts /proc and /sys inside the target; never leave them behind.
    trap 'umount -l "$dir/proc" "$dir/sys" 2>/dev/null || true; rm -rf --one-file-system "$dir"' EXIT
    debootstrap --variant=minbase bookworm "$dir" "$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $CACHE/debootstrap.log"
    cat >"$dir/etc/apt/sources.list" <<SOURCES
deb $DEBIAN_MIRROR bookworm main
deb $DEBIAN_MIRROR bookworm-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security bookworm-security main
SOURCES
    chroot "$dir" apt-get clean
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/log/*.log \
      "$dir"/var/log/apt/* "$dir"/tmp/*
    tar --numeric-owner -C "$dir" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    umount -l "$dir/proc" "$dir/sys" 2>/dev/null || true
    rm -rf --one-file-system "$dir"
    trap - EXIT
    phase_end "$tarball"
  fi
  phase_start "import $DEBIAN_TAG"
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$tarball" "$DEBIAN_TAG" >/dev/null
  phase_end
}

build_node() {
  SRC_HASH="$(source_hash "$HERE/node")"
  if have_image "$NODE_TAG" "$SRC_HASH" && have_image "$NODE_SLIM_TAG" "$SRC_HASH"; then
    say "$NODE_TAG and -slim present; skipped"; return
  fi
  local ctx
  ctx="$(NODE_VERSION="$NODE_VERSION" NPM_VERSION="$NPM_VERSION" bash "$HERE/../node/fetch.sh")"
  phase_start "build $NODE_SLIM_TAG and $NODE_TAG"
  dbuild "$NODE_SLIM_TAG" --build-arg "BASE_IMAGE=$DEBIAN_TAG" \
    --build-arg "NODE_VERSION=$NODE_VERSION" --build-arg "NPM_VERSION=$NPM_VERSION" \
    --target slim -f "$HERE/node/Dockerfile" "$ctx"
  dbuild "$NODE_TAG" --build-arg "BASE_IMAGE=$DEBIAN_TAG" \
    --build-arg "NODE_VERSION=$NODE_VERSION" --build-arg "NPM_VERSION=$NPM_VERSION" \
    --target full -f "$HERE/node/Dockerfile" "$ctx"
  docker run --rm "$NODE_TAG" sh -c 'node --version && npm --version' >/dev/null ||
    die "node or npm does not run in $NODE_TAG"
  phase_end
}

build_mariadb() {
  local deb tag
  deb="$(mariadb_deb_version)"
  tag="microblog-e2e/mariadb:$(echo "$deb" | sed -E 's/^[0-9]+://; s/-.*$//')"
  MARIADB_TAG="$tag"
  SRC_HASH="$(source_hash "$HERE/mariadb")"
  if have_image "$tag" "$SRC_HASH"; then say "$tag present; skipped"; return; fi
  phase_start "build $tag (mariadb-server $deb)"
  dbuild "$tag" --build-arg "BASE_IMAGE=$DEBIAN_TAG" --build-arg "MARIADB_DEB_VERSION=$deb" \
    "$HERE/mariadb"
  phase_end
}

# build_search ENGINE VERSION TAG
build_search() {
  local engine="$1" version="$2" tag="$3" dist ctx
  SRC_HASH="$(source_hash "$HERE/search")"
  if have_image "$tag" "$SRC_HASH"; then say "$tag present; skipped"; return; fi
  phase_start "build $tag"
  dist="$("$SERVICES/search-dist.sh" "$engine" "$version")"
  ctx="$CACHE/$engine/$version/context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -al "$dist" "$ctx/dist" 2>/dev/null || cp -a "$dist" "$ctx/dist"
  rm -f "$ctx/dist/.complete"
  cp "$HERE/search/docker-entrypoint.sh" "$ctx/"
  dbuild "$tag" --build-arg "BASE_IMAGE=$DEBIAN_TAG" --build-arg "ENGINE=$engine" \
    --build-arg "ENGINE_VERSION=$version" -f "$HERE/search/Dockerfile" "$ctx"
  rm -rf "$ctx"
  phase_end
}

targets=()
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    debian | node | mariadb | opensearch | elasticsearch) targets+=("$a") ;;
    *) die "unknown argument '$a'; usage: $0 [--force] [debian|node|mariadb|opensearch|elasticsearch ...]" ;;
  esac
done
[ "${#targets[@]}" -gt 0 ] || targets=(debian node mariadb opensearch elasticsearch)

docker info >/dev/null 2>&1 || "$SERVICES/dockerd.sh" start
mkdir -p "$CACHE"
# Two callers at once (the e2e suite and a developer) would share the rootfs and contexts.
exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then
  say "another build.sh is running; waiting for it"
  flock 9
fi
# Every image builds FROM the Debian base, so it comes first whatever was asked for.
build_debian
MARIADB_TAG=""
for t in "${targets[@]}"; do
  case "$t" in
    debian) ;;
    node) build_node ;;
    mariadb) build_mariadb ;;
    opensearch) build_search opensearch "$OPENSEARCH_VERSION" "$OPENSEARCH_TAG" ;;
    elasticsearch) build_search elasticsearch "$ELASTICSEARCH_VERSION" "$ELASTICSEARCH_TAG" ;;
  esac
done
[ -n "$MARIADB_TAG" ] || MARIADB_TAG="microblog-e2e/mariadb:$(mariadb_deb_version | sed -E 's/^[0-9]+://; s/-.*$//')"

mkdir -p "$CACHE"
cat >"$CACHE/tags.env" <<TAGS
MICROBLOG_E2E_DEBIAN_IMAGE=$DEBIAN_TAG
MICROBLOG_E2E_NODE_IMAGE=$NODE_TAG
MICROBLOG_E2E_NODE_SLIM_IMAGE=$NODE_SLIM_TAG
MICROBLOG_E2E_MARIADB_IMAGE=$MARIADB_TAG
MICROBLOG_E2E_OPENSEARCH_IMAGE=$OPENSEARCH_TAG
MICROBLOG_E2E_ELASTICSEARCH_IMAGE=$ELASTICSEARCH_TAG
TAGS
say "tags written to $CACHE/tags.env"
for tag in "$DEBIAN_TAG" "$NODE_SLIM_TAG" "$NODE_TAG" "$MARIADB_TAG" "$OPENSEARCH_TAG" \
  "$ELASTICSEARCH_TAG"; do
  if docker image inspect "$tag" >/dev/null 2>&1; then
    say "$(printf '%-48s %s' "$tag" "$(docker image inspect -f '{{.Size}}' "$tag" |
      awk '{printf "%.0f MB", $1 / 1000000}')")"
  fi
done
