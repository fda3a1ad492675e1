#!/usr/bin/env bash
# Assembles localhost/hare/go-build:<go version> with buildah, with no registry: this machine's Go toolchain
# (GOROOT), Debian's busybox-static as /bin/sh and tools, and the machine's CA bundle. It is the build stage
# of examples/consumers/go/Dockerfile here (elsewhere that stage is the official golang image).
# Usage: hack/images/go-base.sh [--force]     (an existing image is kept unless --force); prints the image name
source "$(dirname "$0")/lib.sh"
require buildah go apt-get dpkg-deb
force=false; [ "${1:-}" = --force ] && force=true

goroot="$(go env GOROOT)"
version="$(go env GOVERSION)"; version="${version#go}"
image="${GO_BUILD_IMAGE:-localhost/hare/go-build:$version}"
if ! $force && image_exists "$image"; then echo "$image"; exit 0; fi

downloads="$IMAGES_CACHE/downloads"
mkdir -p "$downloads"
deb="$(ls "$downloads"/busybox-static_*.deb 2>/dev/null | head -n 1 || true)"
if [ -z "$deb" ]; then
  log "downloading Debian's busybox-static"
  (cd "$downloads" && apt-get -o APT::Sandbox::User=root download busybox-static >/dev/null) || die "apt-get download busybox-static failed (run apt-get update?)"
  deb="$(ls "$downloads"/busybox-static_*.deb | head -n 1)"
fi

ctr="$(buildah from scratch)"
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
root="$(buildah mount "$ctr")"
mkdir -p "$root/usr/local" "$root/bin" "$root/usr/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/go"
chmod 1777 "$root/tmp"
cp -a "$goroot" "$root/usr/local/go"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" ./bin/busybox
for applet in $("$root/bin/busybox" --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
ln -sf ../../bin/busybox "$root/usr/bin/env"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65532:65532:nobody:/nonexistent:/sbin/nologin' > "$root/etc/passwd"
buildah umount "$ctr" >/dev/null
buildah config --env PATH=/usr/local/go/bin:/go/bin:/bin:/usr/bin --env GOPATH=/go --env GOTOOLCHAIN=local \
  --env CGO_ENABLED=0 --workingdir /go --label org.opencontainers.image.description="Go $version build base (hare-operator)" "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
trap - EXIT
log "built $image ($(buildah images --format '{{.Size}}' "$image" | head -n 1))"
echo "$image"
