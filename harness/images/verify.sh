#!/usr/bin/env bash
# Runs each image built by build.sh on a user-defined Docker network and checks it works:
#   node: node and npm run;  mariadb: the env-given user logs in from another container and
#   from the host, the TCP health check fails during initialisation, data survives container
#   replacement;  opensearch / elasticsearch: _cluster/health is yellow or green, a document
#   is indexed and found.
# Leaves nothing behind (containers, network and volumes are removed on exit).
#   verify.sh [node|mariadb|opensearch|elasticsearch ...]   (default: all)
set -euo pipefail
HERE="$(dirname "$(readlink -f "$0")")"
SERVICE_NAME=verify
# shellcheck source=harness/services/lib.sh
. "$HERE/../services/lib.sh"
TAGS="$MICROBLOG_CACHE_DIR/images/tags.env"
[ -f "$TAGS" ] || die "no $TAGS; run harness/images/build.sh first"
# shellcheck disable=SC1090
. "$TAGS"
NET="microblog-e2e-verify-$$"
PFX="mbv$$"
cleanup() {
  docker ps -aq --filter "name=^$PFX-" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls -q --filter "name=^$PFX-" | xargs -r docker volume rm >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker network create "$NET" >/dev/null

verify_node() {
  local img
  for img in "$MICROBLOG_E2E_NODE_SLIM_IMAGE" "$MICROBLOG_E2E_NODE_IMAGE"; do
    phase_start "$img"
    local out
    out="$(docker run --rm --network "$NET" "$img" sh -c 'echo node $(node --version) npm $(npm --version 2>/dev/null) nodedir=$npm_config_nodedir user=$(id -un 1000)')" ||
      die "$img: node or npm does not run"
    phase_end "$out"
  done
}

verify_mariadb() {
  local img="$MICROBLOG_E2E_MARIADB_IMAGE" db="$PFX-mysql" early=0 i port rows
  phase_start "$img first start (init) on network $NET"
  docker run -d --name "$db" --network "$NET" -v "$PFX-mysqldata:/var/lib/mysql" \
    -p 127.0.0.1::3306 -e MYSQL_RANDOM_ROOT_PASSWORD=yes -e MYSQL_DATABASE=microblog \
    -e MYSQL_USER=microblog -e MYSQL_PASSWORD=verify-pw "$img" >/dev/null
  for ((i = 0; i < 120; i++)); do
    if docker exec "$db" mysqladmin ping -h 127.0.0.1 --protocol=tcp >/dev/null 2>&1; then
      break
    fi
    early=$((early + 1))
    sleep 0.5
  done
  [ "$i" -lt 120 ] || { docker logs "$db" | tail -20; die "$img never answered the TCP ping"; }
  [ "$early" -gt 0 ] || die "$img answered the TCP ping at once; init must not listen on TCP"
  # Captured first: `grep -q` closing the pipe early would fail the pipeline under pipefail.
  local logs
  logs="$(docker logs "$db" 2>&1)"
  grep -q 'GENERATED ROOT PASSWORD' <<<"$logs" || die "no generated root password"
  phase_end "TCP ping failed $early times during init, then succeeded"
  phase_start "login as microblog from another container"
  docker run --rm --network "$NET" "$img" mariadb -h "$db" -u microblog -pverify-pw microblog \
    -e 'CREATE TABLE t (x INT); INSERT INTO t VALUES (42)' || die "login from a container failed"
  phase_end
  phase_start "login as microblog from the host"
  port="$(docker port "$db" 3306/tcp | head -n1 | sed 's/.*://')"
  if command -v mariadb >/dev/null; then
    rows="$(mariadb --no-defaults -h 127.0.0.1 -P "$port" -u microblog -pverify-pw microblog \
      -N -e 'SELECT x FROM t')" || die "login from the host failed"
    [ "$rows" = 42 ] || die "unexpected rows from the host: '$rows'"
    phase_end "127.0.0.1:$port"
  else
    phase_end "skipped: no mariadb client on the host"
  fi
  phase_start "replace the container; data survives"
  docker rm -f "$db" >/dev/null
  docker run -d --name "$db" --network "$NET" -v "$PFX-mysqldata:/var/lib/mysql" "$img" >/dev/null
  wait_until 60 ping docker exec "$db" mysqladmin ping -h 127.0.0.1 --protocol=tcp ||
    die "replacement container did not come up"
  rows="$(docker run --rm --network "$NET" "$img" mariadb -h "$db" -u microblog -pverify-pw \
    microblog -N -e 'SELECT x FROM t')" || die "query after replacement failed"
  [ "$rows" = 42 ] || die "data lost on container replacement: got '$rows'"
  docker rm -f "$db" >/dev/null
  phase_end
}

# verify_search IMAGE ENGINE EXTRA_ENV...
verify_search() {
  local img="$1" engine="$2" c="$PFX-$2" opts_var
  shift 2
  [ "$engine" = opensearch ] && opts_var=OPENSEARCH_JAVA_OPTS || opts_var=ES_JAVA_OPTS
  phase_start "$img cluster health on network $NET"
  docker run -d --name "$c" --network "$NET" --memory 1g \
    -v "$PFX-$engine-data:/usr/share/$engine/data" -e discovery.type=single-node \
    -e "$opts_var=-Xms512m -Xmx512m" "$@" "$img" >/dev/null
  if ! wait_until 180 health docker exec "$c" curl -sf \
    'http://localhost:9200/_cluster/health?wait_for_status=yellow&timeout=1s'; then
    docker logs "$c" 2>&1 | tail -20
    die "$img did not become healthy within 180s"
  fi
  local h
  h="$(docker run --rm --network "$NET" "$img" curl -sf "http://$c:9200/_cluster/health")"
  echo "$h" | grep -qE '"status":"(green|yellow)"' || die "bad health from another container: $h"
  phase_end "$(echo "$h" | grep -oE '"status":"[a-z]+"')"
  phase_start "$img index and search"
  docker exec "$c" curl -sf -XPUT 'http://localhost:9200/post/_doc/1?refresh=true' \
    -H 'content-type: application/json' -d '{"body":"hello verify"}' >/dev/null ||
    die "indexing failed"
  local hits
  hits="$(docker exec "$c" curl -sf 'http://localhost:9200/post/_search' \
    -H 'content-type: application/json' \
    -d '{"query":{"multi_match":{"query":"verify","fields":["*"]}}}')" || die "search failed"
  grep -q '"hello verify"' <<<"$hits" || die "search did not find the document: $hits"
  docker rm -f "$c" >/dev/null
  phase_end
}

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(node mariadb opensearch elasticsearch)
for t in "${targets[@]}"; do
  case "$t" in
    node) verify_node ;;
    mariadb) verify_mariadb ;;
    opensearch) verify_search "$MICROBLOG_E2E_OPENSEARCH_IMAGE" opensearch ;;
    elasticsearch) verify_search "$MICROBLOG_E2E_ELASTICSEARCH_IMAGE" elasticsearch \
      -e xpack.security.enabled=false ;;
    *) die "unknown image '$t'; allowed: node, mariadb, opensearch, elasticsearch" ;;
  esac
done
say "all checks passed: ${targets[*]}"
