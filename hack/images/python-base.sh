#!/usr/bin/env bash
# Assembles localhost/hare/python:<python version> with buildah, with no registry: Debian's python3.11
# (python3.11-minimal, libpython3.11-minimal, libpython3.11-stdlib) and python3-pika, downloaded as .debs
# with apt-get and unpacked, plus their shared-library closure copied from this (Debian 12) machine,
# libgcc_s (dlopened by glibc), /etc/passwd (uid 65532), /tmp and the machine's CA bundle. No shell, no package manager.
# Usage: hack/images/python-base.sh [--force]     (an existing image is kept unless --force); prints the image name
source "$(dirname "$0")/lib.sh"
require buildah apt-get dpkg-deb ldd
force=false; [ "${1:-}" = --force ] && force=true
packages=(python3.11-minimal libpython3.11-minimal libpython3.11-stdlib python3-pika)

downloads="$IMAGES_CACHE/downloads/python"
mkdir -p "$downloads"
for p in "${packages[@]}"; do
  ls "$downloads/${p}_"*.deb >/dev/null 2>&1 && continue
  log "downloading Debian's $p"
  (cd "$downloads" && apt-get -o APT::Sandbox::User=root download "$p" >/dev/null) || die "apt-get download $p failed (run apt-get update?)"
done
version="$(ls "$downloads"/python3.11-minimal_*.deb | head -n 1 | sed 's/.*_\([0-9.]*\)-.*/\1/')"
image="${PYTHON_IMAGE:-localhost/hare/python:$version}"
if ! $force && image_exists "$image"; then echo "$image"; exit 0; fi

ctr="$(buildah from scratch)"
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
root="$(buildah mount "$ctr")"
for deb in "$downloads"/*.deb; do dpkg-deb -x "$deb" "$root"; done
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian"
ln -sf python3.11 "$root/usr/bin/python3"
for binary in "$root/usr/bin/python3.11" "$root"/usr/lib/python3.11/lib-dynload/*.so; do copy_closure "$binary" "$root"; done
# glibc dlopens libgcc_s for thread exit and cancellation; no ldd closure names it
gcc_s="$(ldconfig -p | awk '$1 == "libgcc_s.so.1" && !found { print $NF; found = 1 }')"
[ -n "$gcc_s" ] || die "libgcc_s.so.1 not found on this machine"
mkdir -p "$root$(dirname "$gcc_s")" && cp -L "$gcc_s" "$root$gcc_s"
mkdir -p "$root/etc/ssl/certs" "$root/tmp"
chmod 1777 "$root/tmp"
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65532:65532:nobody:/nonexistent:/sbin/nologin' > "$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65532:' > "$root/etc/group"
buildah umount "$ctr" >/dev/null
buildah config --env PATH=/usr/bin:/bin --env PYTHONDONTWRITEBYTECODE=1 --env PYTHONUNBUFFERED=1 --workingdir / --cmd python3 \
  --label org.opencontainers.image.description="Debian python3 $version with python3-pika (hare-operator)" "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
trap - EXIT
log "built $image ($(buildah images --format '{{.Size}}' "$image" | head -n 1))"
echo "$image"
