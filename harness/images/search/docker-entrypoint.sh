#!/bin/bash
# Starts the search engine in the foreground (exec), keeping the official images' contracts:
# - every environment variable whose name contains a dot (discovery.type=single-node, ...)
#   becomes a `-E name=value` setting; the heap comes from OPENSEARCH_JAVA_OPTS (opensearch) or
#   ES_JAVA_OPTS (elasticsearch);
# - opensearch: the official 2.x image runs its demo security installer unless
#   DISABLE_INSTALL_DEMO_CONFIG=true (the installer stops the container when
#   OPENSEARCH_INITIAL_ADMIN_PASSWORD is missing), and then serves HTTPS with authentication
#   unless DISABLE_SECURITY_PLUGIN=true. This build has no security plugin, so it cannot serve
#   what the official image would; it refuses to start instead of silently serving plain HTTP,
#   so a program that forgets either variable fails here as it would on the official image.
set -euo pipefail
home="/usr/share/$ENGINE"
if [ "$ENGINE" = opensearch ]; then
  if [ "${DISABLE_INSTALL_DEMO_CONFIG:-false}" != true ] &&
    [ -z "${OPENSEARCH_INITIAL_ADMIN_PASSWORD:-}" ]; then
    echo "stand-in: the official image's demo security installer would run and stop: no" \
      "OPENSEARCH_INITIAL_ADMIN_PASSWORD is set (set DISABLE_INSTALL_DEMO_CONFIG=true)" >&2
    exit 1
  fi
  if [ "${DISABLE_SECURITY_PLUGIN:-false}" != true ]; then
    echo "stand-in: the official image would serve HTTPS with authentication (security plugin" \
      "enabled); set DISABLE_SECURITY_PLUGIN=true for plain HTTP" >&2
    exit 1
  fi
fi
settings=()
while IFS= read -r -d '' kv; do
  name="${kv%%=*}"
  if [[ "$name" =~ ^[a-z0-9_]+(\.[a-z0-9_-]+)+$ ]]; then
    settings+=("-E" "$kv")
  fi
done < <(env -0)
if [ "${1:-}" = "" ] || [ "${1#-}" != "$1" ]; then
  exec "$home/bin/$ENGINE" "${settings[@]}" "$@"
fi
exec "$@"
