#!/usr/bin/env bash
# Installs the Debian packages a cluster of the project needs, only those missing: `control-plane` (openssl, and
# prometheus for the monitoring kit's promtool checks and the e2e Prometheus), `node` (+ runtime, CNI, tools) or
# `kind` (what the kind node image's build and the kind provider's host rules use: buildah, mmdebstrap, gcc, iptables).
# Usage: hack/cluster-deps.sh [control-plane|node|kind]   (default node). Needs root and Debian's apt when something is missing.
set -euo pipefail

want="${1:-node}"
# command (or file) -> Debian package
declare -A NEED=()
case "$want" in
  control-plane|node) NEED+=([openssl]=openssl [ip]=iproute2 [promtool]=prometheus [prometheus]=prometheus) ;;&
  node) NEED+=([containerd]=containerd [ctr]=containerd [containerd-shim-runc-v2]=containerd [runc]=runc
    [/usr/lib/cni/bridge]=containernetworking-plugins [/usr/lib/cni/host-local]=containernetworking-plugins
    [buildah]=buildah [iptables]=iptables [ip6tables]=iptables [conntrack]=conntrack [socat]=socat
    [gcc]=gcc [strip]=binutils [/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev [tar]=tar) ;;
  kind) NEED+=([buildah]=buildah [mmdebstrap]=mmdebstrap [gcc]=gcc [strip]=binutils [/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev
    [tar]=tar [iptables]=iptables [ip]=iproute2) ;;
  control-plane) ;;
  *) echo "usage: $0 [control-plane|node|kind]" >&2; exit 2 ;;
esac

missing=()
for what in "${!NEED[@]}"; do
  if [[ "$what" == /* ]]; then [ -e "$what" ] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("${NEED[$what]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "cluster-deps: missing Debian packages: $pkgs(install them as root: apt-get install -y $pkgs)" >&2; exit 1
fi
echo "[cluster-deps] installing: $pkgs" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# prometheus without its recommends (node-exporter, a service of its own); the tests start their own Prometheus, so the
# packaged service must not run or listen
rest="${pkgs//prometheus /}"
# shellcheck disable=SC2086
[ -z "${rest// /}" ] || apt-get install -y -qq $rest >&2
if [ "$rest" != "$pkgs" ]; then
  apt-get install -y -qq --no-install-recommends prometheus >&2
  systemctl disable --now prometheus >/dev/null 2>&1 || systemctl disable prometheus >/dev/null 2>&1 || true
  service prometheus stop >/dev/null 2>&1 || true
fi
