#!/bin/bash
# Starts the search engine in the foreground as PID 1's child-less replacement (exec).
# Like the official images: every environment variable whose name contains a dot
# (discovery.type=single-node, cluster.name=x, ...) becomes a `-E name=value` setting, and
# the heap comes from OPENSEARCH_JAVA_OPTS (opensearch) or ES_JAVA_OPTS (elasticsearch).
set -euo pipefail
home="/usr/share/$ENGINE"
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
