#!/usr/bin/env bash
# Assembles localhost/hare/debian:12 with mmdebstrap and buildah, with no registry: Debian 12 (bookworm), variant
# minbase (dpkg, apt, a shell and coreutils), from this machine's own apt sources, without docs, man pages or locales.
# The build base of the images that install Debian packages (hack/images/rabbitmq/Dockerfile); stands in for the
# public debian:bookworm-slim. The root filesystem tarball is cached in $HARE_CACHE/images/debian.
# Usage: hack/images/debian-base.sh [--force]     (an existing image is kept unless --force); prints the image name
source "$(dirname "$0")/lib.sh"
force=false; [ "${1:-}" = --force ] && force=true
image="${DEBIAN_IMAGE:-localhost/hare/debian:12}"
if ! $force && image_exists "$image"; then echo "$image"; exit 0; fi
require buildah apt-get
if ! command -v mmdebstrap >/dev/null; then
  [ "$(id -u)" -eq 0 ] || die "mmdebstrap is required (as root: apt-get install -y mmdebstrap)"
  log "installing Debian's mmdebstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >&2 || die "apt-get install mmdebstrap failed (run apt-get update?)"
fi

# the machine's Debian sources (deb822 or one-line), so the image's apt reaches the same mirror as this machine's
sources=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do [ -s "$f" ] && { sources="$f"; break; }; done
[ -n "$sources" ] || die "no Debian apt sources on this machine (/etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)"

dir="$IMAGES_CACHE/debian"; mkdir -p "$dir"
tarball="$dir/bookworm-minbase.tar"
if $force || [ ! -s "$tarball" ]; then
  log "mmdebstrap bookworm (minbase) from $sources"
  rm -f "$tarball.tmp"
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --aptopt='Acquire::Check-Valid-Until "false"' \
    bookworm "$tarball.tmp" "$sources" >&2
  mv "$tarball.tmp" "$tarball"
fi

ctr="$(buildah from scratch)"
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah add --quiet "$ctr" "$tarball" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
  --label org.opencontainers.image.description="Debian 12 (bookworm) minbase, assembled with mmdebstrap (hare-operator)" "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
trap - EXIT
log "built $image ($(buildah images --format '{{.Size}}' "$image" | head -n 1))"
echo "$image"
