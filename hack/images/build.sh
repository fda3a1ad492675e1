#!/usr/bin/env bash
# Builds a project image with buildah from its Dockerfile against the local base images (hack/images/base.sh),
# and optionally exports a docker-archive tarball for `ctr -n k8s.io images import`.
# Usage: hack/images/build.sh <consumer|examples|operator|go-consumer|python-consumer|rabbitmq> [--archive [FILE]] [--tag TAG]
#   consumer         consumer-image/Dockerfile           -> localhost/hare/consumer:<consumer-image version>
#   examples         examples/Dockerfile                 -> localhost/hare/examples:<same version> (FROM the consumer image)
#   operator         operator/Dockerfile                 -> localhost/hare/operator:<operator version>
#   go-consumer      examples/consumers/go/Dockerfile     -> localhost/hare/go-consumer:<consumer-image version>
#   python-consumer  examples/consumers/python/Dockerfile -> localhost/hare/python-consumer:<same version>
#   rabbitmq         hack/images/rabbitmq/Dockerfile      -> localhost/hare/rabbitmq:<Debian's rabbitmq-server version>
# Default archive: $HARE_CACHE/images/archives/<name>-<tag>.tar
source "$(dirname "$0")/lib.sh"
require buildah

target="${1:-}"; shift || true
archive=""; tag=""
while [ $# -gt 0 ]; do
  case "$1" in
    --archive) if [ -n "${2:-}" ] && [ "${2#--}" = "$2" ]; then archive="$2"; shift; else archive=default; fi ;;
    --tag) tag="${2:?--tag needs a value}"; shift ;;
    *) die "unknown argument $1" ;;
  esac
  shift
done

args=(); context="$REPO"; node_bases=true
case "$target" in
  consumer|examples)
    version="$(package_version "$REPO/consumer-image/package.json")"
    if [ "$target" = consumer ]; then
      dockerfile=consumer-image/Dockerfile
      args+=(--build-arg "NODE_BUILD_IMAGE=$BASE_BUILD_IMAGE" --build-arg "NODE_RUNTIME_IMAGE=$BASE_RUNTIME_IMAGE")
    else
      dockerfile=examples/Dockerfile
      consumer="localhost/hare/consumer:$version"
      image_exists "$consumer" || "$0" consumer
      args+=(--build-arg "CONSUMER_IMAGE=$consumer")
    fi ;;
  operator)
    version="$(package_version "$REPO/operator/package.json")"; dockerfile=operator/Dockerfile
    args+=(--build-arg "NODE_BUILD_IMAGE=$BASE_BUILD_IMAGE" --build-arg "NODE_RUNTIME_IMAGE=$BASE_RUNTIME_IMAGE") ;;
  go-consumer) # the module cache outside the repository feeds the build stage; no network inside it
    version="$(package_version "$REPO/consumer-image/package.json")"; dockerfile=examples/consumers/go/Dockerfile
    context="$REPO/examples/consumers/go"; node_bases=false
    (cd "$context" && go mod download)
    args+=(--build-arg "GO_BUILD_IMAGE=$("$REPO/hack/images/go-base.sh" | tail -n 1)" --build-arg GOPROXY=off \
      --volume "$(go env GOMODCACHE):/go/pkg/mod") ;;
  python-consumer)
    version="$(package_version "$REPO/consumer-image/package.json")"; dockerfile=examples/consumers/python/Dockerfile
    context="$REPO/examples/consumers/python"; node_bases=false
    args+=(--build-arg "PYTHON_IMAGE=$("$REPO/hack/images/python-base.sh" | tail -n 1)") ;;
  rabbitmq) # Debian's package, installed in the build from this machine's apt sources (the base image has them)
    version="$(apt-cache show --no-all-versions rabbitmq-server 2>/dev/null | sed -n 's/^Version: \([0-9.]*\).*/\1/p' | head -n 1)"
    [ -n "$version" ] || die "apt-cache knows no rabbitmq-server (run apt-get update?)"
    dockerfile=hack/images/rabbitmq/Dockerfile; context="$REPO/hack/images/rabbitmq"; node_bases=false
    args+=(--build-arg "DEBIAN_IMAGE=$("$REPO/hack/images/debian-base.sh" | tail -n 1)") ;;
  *) die "usage: hack/images/build.sh <consumer|examples|operator|go-consumer|python-consumer|rabbitmq> [--archive [FILE]] [--tag TAG]" ;;
esac
[ -f "$REPO/$dockerfile" ] || die "$dockerfile does not exist yet"
image="localhost/hare/$target:${tag:-$version}"

! $node_bases || { image_exists "$BASE_RUNTIME_IMAGE" && image_exists "$BASE_BUILD_IMAGE"; } || "$REPO/hack/images/base.sh"

# This machine's npm registry and extra CA (e.g. an egress proxy) reach RUN steps; nothing of them is kept.
registry="$(npm config get registry 2>/dev/null || true)"
[ -n "$registry" ] && args+=(--build-arg "NPM_CONFIG_REGISTRY=$registry")
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  args+=(--volume "$NODE_EXTRA_CA_CERTS:/etc/ssl/hare-build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/etc/ssl/hare-build-ca.crt)
fi

log "building $image from $dockerfile"
buildah bud --quiet --layers --network host "${args[@]}" -f "$REPO/$dockerfile" -t "$image" "$context" >/dev/null
log "built $image ($(buildah images --format '{{.Size}}' "$image" | head -n 1))"

if [ -n "$archive" ]; then
  [ "$archive" = default ] && archive="$IMAGES_CACHE/archives/$target-${tag:-$version}.tar"
  mkdir -p "$(dirname "$archive")"
  rm -f "$archive"
  buildah push --quiet "$image" "docker-archive:$archive:$image" >/dev/null
  log "exported $archive (import: ctr -n k8s.io images import $archive)"
fi
echo "$image"
