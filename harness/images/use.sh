# shellcheck shell=bash
# Source this to choose the images a deploy runs: the official ones when their registries
# answer, the stand-ins built here (harness/images/build.sh) when they do not.
#   source harness/images/use.sh elasticsearch [opensearch] || exit $?
# Arguments: the search engines the caller will deploy (only those stand-ins are built).
# MICROBLOG_IMAGES=auto (default: try to pull the official images) | official | stand-in.
# Sets MICROBLOG_IMAGES_KIND (official | stand-in), MICROBLOG_IMAGES_DESC (one line), and the
# references MICROBLOG_MYSQL_IMAGE, MICROBLOG_NODE_IMAGE, MICROBLOG_ELASTICSEARCH_IMAGE,
# MICROBLOG_OPENSEARCH_IMAGE: the program's pinned defaults (official) or the stand-in tags.
_use_images() {
  local here repo want=${MICROBLOG_IMAGES:-auto} engines=("$@") official=() img missing=""
  here="$(dirname "${BASH_SOURCE[0]}")"
  repo="$(cd "$here/../.." && pwd)"
  case $want in auto | official | stand-in) ;; *)
    echo "[images] MICROBLOG_IMAGES='$want' is not one of: auto, official, stand-in" >&2
    return 2
    ;;
  esac
  # The program's own pinned defaults, read from the config table and the app's Dockerfile.
  # shellcheck disable=SC2016 # the single-quoted text is JavaScript
  eval "$(cd "$repo" && node --import tsx -e '
    import("./components/config-schema.ts").then((m) => {
      const s = m.SEARCH_IMAGE_DEFAULTS;
      console.log(`MICROBLOG_MYSQL_IMAGE=${m.CONFIG_KEYS.mysqlImage.default}`);
      console.log(`MICROBLOG_ELASTICSEARCH_IMAGE=${s.elasticsearch}`);
      console.log(`MICROBLOG_OPENSEARCH_IMAGE=${s.opensearch}`);
    })')"
  MICROBLOG_NODE_IMAGE="$(sed -n 's/^ARG BASE_IMAGE=//p' "$repo/app/Dockerfile" | head -1)"
  official=("$MICROBLOG_MYSQL_IMAGE" "$MICROBLOG_NODE_IMAGE")
  for e in "${engines[@]}"; do
    case $e in
    elasticsearch) official+=("$MICROBLOG_ELASTICSEARCH_IMAGE") ;;
    opensearch) official+=("$MICROBLOG_OPENSEARCH_IMAGE") ;;
    *) echo "[images] unknown search engine '$e'" >&2 && return 2 ;;
    esac
  done
  if [[ $want != stand-in ]]; then
    for img in "${official[@]}"; do
      if docker image inspect "$img" >/dev/null 2>&1; then continue; fi
      echo "[images] docker pull $img"
      if ! timeout 600 docker pull -q "$img" >/dev/null 2>&1; then missing="$img" && break; fi
    done
    if [[ -z $missing ]]; then
      MICROBLOG_IMAGES_KIND=official
      MICROBLOG_IMAGES_DESC="official: ${official[*]}"
    elif [[ $want == official ]]; then
      echo "[images] MICROBLOG_IMAGES=official but $missing cannot be pulled" >&2
      return 1
    else
      echo "[images] $missing cannot be pulled (no registry access): using the stand-ins built here"
    fi
  fi
  if [[ ${MICROBLOG_IMAGES_KIND:-} != official ]]; then
    bash "$here/build.sh" node mariadb "${engines[@]}" || return 1
    # shellcheck source=/dev/null
    source "${MICROBLOG_CACHE_DIR:-$HOME/.cache/microblog}/images/tags.env"
    MICROBLOG_MYSQL_IMAGE=$MICROBLOG_E2E_MARIADB_IMAGE
    MICROBLOG_NODE_IMAGE=$MICROBLOG_E2E_NODE_SLIM_IMAGE
    MICROBLOG_ELASTICSEARCH_IMAGE=$MICROBLOG_E2E_ELASTICSEARCH_IMAGE
    MICROBLOG_OPENSEARCH_IMAGE=$MICROBLOG_E2E_OPENSEARCH_IMAGE
    MICROBLOG_IMAGES_KIND=stand-in
    MICROBLOG_IMAGES_DESC="stand-ins built here (harness/images): $MICROBLOG_MYSQL_IMAGE $MICROBLOG_NODE_IMAGE"
    for e in "${engines[@]}"; do
      [[ $e == elasticsearch ]] && MICROBLOG_IMAGES_DESC+=" $MICROBLOG_ELASTICSEARCH_IMAGE"
      [[ $e == opensearch ]] && MICROBLOG_IMAGES_DESC+=" $MICROBLOG_OPENSEARCH_IMAGE"
    done
  fi
  export MICROBLOG_IMAGES_KIND MICROBLOG_IMAGES_DESC MICROBLOG_MYSQL_IMAGE MICROBLOG_NODE_IMAGE \
    MICROBLOG_ELASTICSEARCH_IMAGE MICROBLOG_OPENSEARCH_IMAGE
  echo "[images] $MICROBLOG_IMAGES_DESC"
}
_use_images "$@"
