#!/usr/bin/env bash
# Fetches a runnable search-engine distribution from Maven Central with Maven (the
# "integ-test-zip" build: the engine's own server, no bundled JDK, run on the host's Java 17),
# unpacks it once into the cache and prints the unpacked directory.
#   search-dist.sh opensearch [2.19.6]       -> ~/.cache/microblog/opensearch/2.19.6/opensearch-2.19.6
#   search-dist.sh elasticsearch [8.19.21]   -> ~/.cache/microblog/elasticsearch/8.19.21/elasticsearch-8.19.21
# Used by opensearch.sh and by harness/images/build.sh. Progress goes to stderr.
set -euo pipefail
SERVICE_NAME=search-dist
# shellcheck source=harness/services/lib.sh
. "$(dirname "$(readlink -f "$0")")/lib.sh"

ENGINE="${1:-opensearch}"
case "$ENGINE" in
  opensearch) VERSION="${2:-2.19.6}"; GROUP=org/opensearch/distribution/integ-test-zip ;;
  elasticsearch) VERSION="${2:-8.19.21}"; GROUP=org/elasticsearch/distribution/integ-test-zip ;;
  *) die "unknown engine '$ENGINE'; allowed: opensearch, elasticsearch" ;;
esac
CACHE="$MICROBLOG_CACHE_DIR/$ENGINE/$VERSION"
DIST="$CACHE/$ENGINE-$VERSION"
ZIP="$CACHE/$ENGINE-$VERSION.zip"

if [ -x "$DIST/bin/$ENGINE" ] && [ -f "$DIST/.complete" ]; then
  echo "$DIST"
  exit 0
fi
mkdir -p "$CACHE"
# One fetch at a time per version (opensearch.sh and images/build.sh may run together).
exec 9>"$CACHE/.lock"
flock 9
if [ -x "$DIST/bin/$ENGINE" ] && [ -f "$DIST/.complete" ]; then
  echo "$DIST"
  exit 0
fi
command -v mvn >/dev/null || apt_install maven
command -v unzip >/dev/null || apt_install unzip
phase_start "download $ENGINE $VERSION from Maven Central" >&2
# Maven resolves the artifact from its configured central repository and verifies checksums.
artifact="${GROUP//\//.}:$ENGINE:$VERSION:zip"
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="$artifact" -DoutputDirectory="$CACHE" >"$CACHE/mvn.log" 2>&1 ||
  { tail -20 "$CACHE/mvn.log" >&2; die "cannot download $artifact with Maven"; }
[ -f "$ZIP" ] || die "Maven finished but $ZIP is missing"
phase_end "$(du -h "$ZIP" | cut -f1)" >&2
phase_start "unpack into $CACHE" >&2
rm -rf "$DIST"
unzip -q -o "$ZIP" -d "$CACHE" || die "cannot unpack $ZIP"
[ -x "$DIST/bin/$ENGINE" ] || die "$ZIP has no bin/$ENGINE"
# Readable by the unprivileged user the engine runs as; writable only by root.
chmod -R a+rX "$DIST"
touch "$DIST/.complete"
rm -f "$ZIP"
phase_end >&2
echo "$DIST"
