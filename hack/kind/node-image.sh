#!/usr/bin/env bash
# Assembles a kind node image offline with buildah and loads it into the project's dockerd (hack/docker.sh):
#   Debian 12 (mmdebstrap from this machine's apt sources) with systemd, containerd, runc and the CNI plugins from
#   Debian's packages; kind v0.33.0's entrypoint, systemd units and scripts read from the kind Go module (Apache-2.0,
#   copied at build time, not kept in this repository); our containerd config and units (hack/kind/files);
#   kubelet, kubeadm and kubectl v1.34.4 from hack/build-binaries.sh; and the component images preloaded
#   (kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, etcd, CoreDNS, pause), all built here.
# Output: $KIND_CACHE/node-<stamp>.tar (docker-archive) and the image localhost/hare/kind-node:v1.34.4-<stamp> in
# dockerd. The stamp hashes every input, so an unchanged build is reused. Prints the image name on stdout.
# Usage: hack/kind/node-image.sh [--no-load] [--force]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FILES="$REPO/hack/kind/files"
HARE_CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
KIND_CACHE="$HARE_CACHE/kind"
BIN="$HARE_CACHE/bin"
KIND_VERSION=v0.33.0
K8S_VERSION=v1.34.4
COREDNS_VERSION=v1.12.1     # what kubeadm 1.34 deploys (cmd/kubeadm/app/constants: CoreDNSVersion)
CRICTL_VERSION=v1.34.0      # cri-tools of the same minor (kind's node has crictl; `kind load docker-image` uses it)
ETCD_KUBEADM_TAG=3.6.5-0    # the tag kubeadm 1.34 asks for; the image holds the project's etcd (bin/VERSIONS)
RECIPE=1                    # bump when the assembly below changes
PACKAGES=(systemd dbus conntrack iptables nftables iproute2 ethtool util-linux mount kmod libseccomp2 pigz bash
  ca-certificates procps socat containerd runc containernetworking-plugins)
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath

load=true; force=false
for a in "$@"; do case "$a" in --no-load) load=false ;; --force) force=true ;; *) echo "usage: $0 [--no-load] [--force]" >&2; exit 2 ;; esac; done
log() { printf '[kind-node %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '[kind-node] error: %s\n' "$*" >&2; exit 1; }
bash "$REPO/hack/cluster-deps.sh" kind   # buildah, gcc and mmdebstrap, from Debian's packages where missing
for t in buildah mmdebstrap gcc go; do command -v "$t" >/dev/null || die "$t is required"; done
[ -x "$BIN/kubeadm" ] || "$REPO/hack/build-binaries.sh" kubeadm
for b in kubelet kubeadm kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy etcd; do
  [ -x "$BIN/$b" ] || die "$BIN/$b missing: run hack/build-binaries.sh (kubeadm: hack/build-binaries.sh kubeadm)"
done
mkdir -p "$KIND_CACHE/bin" "$KIND_CACHE/downloads" "$KIND_CACHE/build"
T0=$SECONDS

kind_src="$(go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
[ -d "$kind_src/images/base/files" ] || die "kind module source not found (go mod download sigs.k8s.io/kind@$KIND_VERSION)"
k8s_src="$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S_VERSION"
[ -f "$k8s_src/build/pause/linux/pause.c" ] || die "$k8s_src not in the module cache (hack/build-binaries.sh k8s fetches it)"

# --- inputs and stamp -------------------------------------------------------------------------------------------------
# go_tool NAME VERSION MODULE PACKAGE LDFLAGS: a Go program from the module proxy into $KIND_CACHE/bin, cached by stamp
go_tool() {
  local name="$1" version="$2" module="$3" pkg="$4" ldflags="$5" dir="$KIND_CACHE/build/$1-${2#v}"
  if [ -x "$KIND_CACHE/bin/$name" ] && [ "$(cat "$KIND_CACHE/bin/.$name.stamp" 2>/dev/null)" = "$version" ]; then return; fi
  log "$name $version: building from the Go module proxy (cold: several minutes)"
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "$dir" && go mod init "local/${name}build" >/dev/null 2>&1 && go mod edit "-require=$module@$version" "-tool=$pkg" && go mod tidy \
    && go build -ldflags "-s -w $ldflags" -o "$KIND_CACHE/bin/$name" "$pkg")
  echo "$version" > "$KIND_CACHE/bin/.$name.stamp"
}
go_tool coredns "$COREDNS_VERSION" github.com/coredns/coredns github.com/coredns/coredns "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION"
go_tool crictl "$CRICTL_VERSION" sigs.k8s.io/cri-tools sigs.k8s.io/cri-tools/cmd/crictl "-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION"
coredns_bin="$KIND_CACHE/bin/coredns"

stamp="$( { echo "recipe $RECIPE kind $KIND_VERSION k8s $K8S_VERSION coredns $COREDNS_VERSION crictl $CRICTL_VERSION etcd-tag $ETCD_KUBEADM_TAG"
  echo "${PACKAGES[*]}"; cat "$0" "$FILES"/*; sha256sum "$BIN"/{kubelet,kubeadm,kubectl,kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy,etcd} "$KIND_CACHE"/bin/{coredns,crictl}
  find "$kind_src/images/base/files" -type f -exec sha256sum {} + | sort; } | sha256sum | cut -c1-12)"
IMAGE="localhost/hare/kind-node:$K8S_VERSION-$stamp"
ARCHIVE="$KIND_CACHE/node-$stamp.tar"
export DOCKER_HOST="${DOCKER_HOST:-unix:///run/hare-docker/docker.sock}"

load_into_docker() {
  $load || return 0
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then log "$IMAGE already in dockerd"; return; fi
  log "loading $ARCHIVE into dockerd ($DOCKER_HOST)"
  docker load -i "$ARCHIVE" >/dev/null
  # earlier builds' images go, as their archives do (a node still running from one keeps its layers)
  local old
  for old in $(docker images --format '{{.Repository}}:{{.Tag}}' localhost/hare/kind-node); do
    [ "$old" = "$IMAGE" ] || docker rmi "$old" >/dev/null 2>&1 || true
  done
}
if ! $force && [ -s "$ARCHIVE" ]; then log "cached: $ARCHIVE"; load_into_docker; echo "$IMAGE"; exit 0; fi
log "building $IMAGE (inputs stamp $stamp)"

work="$(mktemp -d "$KIND_CACHE/build/node.XXXXXX")"
ctrs=()   # buildah working containers to remove on exit (committed ones are gone already)
cleanup() { for c in "${ctrs[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done; rm -rf "$work"; }
trap cleanup EXIT

# --- Debian rootfs (cached per package list) -----------------------------------------------------------------------
sources=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do [ -s "$f" ] && { sources="$f"; break; }; done
[ -n "$sources" ] || die "no Debian apt sources on this machine"
rootfs_tar="$KIND_CACHE/rootfs-$(echo "${PACKAGES[*]}" | sha256sum | cut -c1-12).tar"
if [ ! -s "$rootfs_tar" ]; then
  log "mmdebstrap bookworm with ${PACKAGES[*]} (about 2 min)"
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar --include="$(IFS=,; echo "${PACKAGES[*]}")" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --aptopt='Acquire::Check-Valid-Until "false"' \
    bookworm "$rootfs_tar.tmp" "$sources" >&2
  mv "$rootfs_tar.tmp" "$rootfs_tar"
fi

# --- component images (docker archives, preloaded by hare-preload.service) ----------------------------------------
busybox_deb="$(ls "$KIND_CACHE"/downloads/busybox-static_*.deb 2>/dev/null | head -n 1 || true)"
if [ -z "$busybox_deb" ]; then
  (cd "$KIND_CACHE/downloads" && apt-get -o APT::Sandbox::User=root download busybox-static >/dev/null) || die "apt-get download busybox-static failed"
  busybox_deb="$(ls "$KIND_CACHE"/downloads/busybox-static_*.deb | head -n 1)"
fi

# copy_closure FILE ROOT: the shared libraries FILE needs, from this machine (Debian 12, as the node), into ROOT
copy_closure() {
  local lib
  for lib in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$2$(dirname "$lib")"; cp -L "$lib" "$2$lib"
  done
}

# image NAME ROOTDIR ENTRYPOINT_JSON USER: a FROM-scratch image of ROOTDIR saved as a docker archive in $work/images
image() {
  local name="$1" root="$2" entry="$3" user="$4" c mnt tar
  tar="$work/images/$(echo "$name" | tr '/:' '__').tar"
  mkdir -p "$work/images" "$root/tmp" "$root/etc"; chmod 1777 "$root/tmp"
  [ -f "$root/etc/passwd" ] || printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' > "$root/etc/passwd"
  [ -f "$root/etc/group" ] || printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  c="$(buildah from scratch)"; ctrs+=("$c")
  mnt="$(buildah mount "$c")"; cp -a "$root/." "$mnt/"; buildah umount "$c" >/dev/null
  buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin --entrypoint "$entry" --cmd '[]' \
    --user "$user" --label org.opencontainers.image.source=hare-operator/hack/kind/node-image.sh "$c"
  buildah commit --quiet --rm "$c" "$name" >/dev/null
  buildah push --quiet "$name" "docker-archive:$tar:$name" >/dev/null
  buildah rmi "$name" >/dev/null 2>&1 || true
}

log "component images"
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  mkdir -p "$work/$c/usr/local/bin"; cp "$BIN/$c" "$work/$c/usr/local/bin/"
  image "registry.k8s.io/$c:$K8S_VERSION" "$work/$c" "[\"/usr/local/bin/$c\"]" 0
done
mkdir -p "$work/etcd/usr/local/bin" "$work/etcd/var/lib/etcd"; cp "$BIN/etcd" "$work/etcd/usr/local/bin/"
image "registry.k8s.io/etcd:$ETCD_KUBEADM_TAG" "$work/etcd" '["/usr/local/bin/etcd"]' 0
mkdir -p "$work/coredns"; cp "$coredns_bin" "$work/coredns/coredns"
image "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" "$work/coredns" '["/coredns"]' 0
mkdir -p "$work/pause"; gcc -Os -Wall -Werror -static -DVERSION=v3.10-hare -o "$work/pause/pause" "$k8s_src/build/pause/linux/pause.c"; strip "$work/pause/pause"
image localhost/hare/pause:3.10 "$work/pause" '["/pause"]' 65535:65535
# kube-proxy: the binary, busybox as the shell of the iptables wrapper, Debian's iptables (both modes) from this machine
kp="$work/kube-proxy"; mkdir -p "$kp/usr/local/bin" "$kp/usr/sbin" "$kp/bin" "$kp/run" "$kp/etc" "$kp/var/run"
cp "$BIN/kube-proxy" "$kp/usr/local/bin/"
dpkg-deb -x "$busybox_deb" "$work/busybox"; install -m 0755 "$work/busybox/bin/busybox" "$kp/bin/busybox"
for a in $("$kp/bin/busybox" --list); do [ -e "$kp/bin/$a" ] || ln -s busybox "$kp/bin/$a"; done
for m in xtables-legacy-multi xtables-nft-multi; do cp -L "/usr/sbin/$m" "$kp/usr/sbin/"; copy_closure "/usr/sbin/$m" "$kp"; done
# the extensions (libxt_*.so) where libxtables looks for them: the real path (/lib is /usr/lib on Debian 12)
xt="$(realpath "$(dirname "$(ldd /usr/sbin/xtables-nft-multi | awk '/libxtables/ { print $3 }')")/xtables")"
mkdir -p "$kp$xt"; cp -a "$xt/." "$kp$xt/"; for so in "$xt"/*.so; do copy_closure "$so" "$kp"; done
for m in legacy nft; do for f in iptables ip6tables; do for s in "" -save -restore; do ln -s "xtables-$m-multi" "$kp/usr/sbin/$f-$m$s"; done; done; done
install -m 0755 "$FILES/iptables-wrapper.sh" "$kp/usr/sbin/iptables-wrapper"
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do ln -s iptables-wrapper "$kp/usr/sbin/$t"; done
cp /etc/protocols /etc/services "$kp/etc/" 2>/dev/null || true
image "registry.k8s.io/kube-proxy:$K8S_VERSION" "$kp" '["/usr/local/bin/kube-proxy"]' 0

# --- the node ------------------------------------------------------------------------------------------------------
log "node rootfs"
node="$(buildah from scratch)"; ctrs+=("$node")
buildah add --quiet "$node" "$rootfs_tar" / >/dev/null
m="$(buildah mount "$node")"
kf="$kind_src/images/base/files"
# kind's own files (as its base Dockerfile places them), except the containerd unit and config: Debian's containerd
# (1.6) keeps its own unit at /usr/bin/containerd, and its config is ours
install -m 0755 "$kf/usr/local/bin/entrypoint" "$kf/usr/local/bin/clean-install" "$m/usr/local/bin/"
mkdir -p "$m/kind/bin" "$m/kind/images" "$m/kind/manifests" "$m/LICENSES" "$m/etc/containerd" "$m/etc/kubernetes/manifests" "$m/etc/cni/net.d"
install -m 0755 "$kf"/kind/bin/* "$m/kind/bin/"
install -m 0644 "$kf/etc/crictl.yaml" "$m/etc/"; install -m 0644 "$kf"/etc/default/* "$m/etc/default/"
install -m 0644 "$kf"/etc/sysctl.d/* "$m/etc/sysctl.d/"
for u in kubelet.service kubelet.slice undo-mount-hacks.service; do install -m 0644 "$kf/etc/systemd/system/$u" "$m/etc/systemd/system/"; done
mkdir -p "$m/etc/systemd/system/kubelet.service.d"; install -m 0644 "$kf"/etc/systemd/system/kubelet.service.d/* "$m/etc/systemd/system/kubelet.service.d/"
printf 'kind %s images/base/files (Apache-2.0): entrypoint, clean-install, kind/bin/*, kubelet units, sysctl.d, crictl.yaml\n' "$KIND_VERSION" > "$m/LICENSES/README.hare"
install -m 0644 "$FILES/containerd.toml" "$m/etc/containerd/config.toml"
install -m 0644 "$FILES/hare-preload.service" "$FILES/hare-cni.service" "$m/etc/systemd/system/"
install -m 0755 "$FILES/hare-preload.sh" "$FILES/hare-cni.sh" "$m/kind/bin/"
install -m 0644 "$FILES/default-cni.yaml" "$m/kind/manifests/default-cni.yaml"
[ -x "$BIN/kubeadm" ] || "$REPO/hack/build-binaries.sh" kubeadm
for b in kubelet kubeadm kubectl; do install -m 0755 "$BIN/$b" "$m/usr/bin/$b"; done
install -m 0755 "$KIND_CACHE/bin/crictl" "$m/usr/local/bin/crictl"
cp "$work"/images/*.tar "$m/kind/images/"
echo "$K8S_VERSION" > "$m/kind/version"
# as kind's base image: no stock services, no kmsg in journald, systemd as /sbin/init; then our units
rm -f "$m"/lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service "$m"/lib/systemd/system/multi-user.target.wants/* \
  "$m"/etc/systemd/system/*.wants/* "$m"/lib/systemd/system/local-fs.target.wants/* "$m"/lib/systemd/system/sockets.target.wants/*udev* \
  "$m"/lib/systemd/system/sockets.target.wants/*initctl* "$m"/lib/systemd/system/basic.target.wants/*
echo "ReadKMsg=no" >> "$m/etc/systemd/journald.conf"
ln -sf /usr/lib/systemd/systemd "$m/sbin/init"
mkdir -p "$m/etc/systemd/system/multi-user.target.wants"
for u in containerd kubelet undo-mount-hacks hare-preload hare-cni; do
  unit="/etc/systemd/system/$u.service"; [ -f "$m$unit" ] || unit="/lib/systemd/system/$u.service"
  ln -sf "$unit" "$m/etc/systemd/system/multi-user.target.wants/$u.service"
done
ln -sf /dev/null "$m/etc/systemd/system/systemd-binfmt.service"
mkdir -p "$m/etc/systemd/system/kubelet.service.d"
printf '[Unit]\nAfter=hare-preload.service\nWants=hare-preload.service\n' > "$m/etc/systemd/system/kubelet.service.d/20-hare-preload.conf"
rm -f "$m/etc/machine-id" "$m/var/lib/dbus/machine-id"; touch "$m/etc/machine-id"
buildah umount "$node" >/dev/null
buildah config --env container=docker --stop-signal SIGRTMIN+3 --entrypoint '["/usr/local/bin/entrypoint", "/sbin/init"]' --cmd '[]' \
  --label org.opencontainers.image.description="kind node $K8S_VERSION assembled offline by hare-operator (kind $KIND_VERSION files)" "$node"
buildah commit --quiet --rm "$node" "$IMAGE" >/dev/null; ctrs=()
rm -f "$ARCHIVE.tmp"
log "saving $ARCHIVE"
buildah push --quiet "$IMAGE" "docker-archive:$ARCHIVE.tmp:$IMAGE" >/dev/null
mv "$ARCHIVE.tmp" "$ARCHIVE"
buildah rmi "$IMAGE" >/dev/null 2>&1 || true
for old in "$KIND_CACHE"/node-*.tar; do [ "$old" = "$ARCHIVE" ] || rm -f "$old"; done
echo "$stamp" > "$KIND_CACHE/node.stamp"
log "built $IMAGE in $(( SECONDS - T0 )) s ($(du -h "$ARCHIVE" | cut -f1))"
load_into_docker
echo "$IMAGE"
