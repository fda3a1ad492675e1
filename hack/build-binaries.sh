#!/usr/bin/env bash
# Builds pinned Kubernetes, etcd and helm binaries (and, on request, kubeadm for the kind node image and KEDA's
# operator and adapter) from the Go module proxy into a cache outside the repo. Idempotent: a binary set whose stamp
# matches the pinned versions (and build recipe) is reused as is.
# Usage: hack/build-binaries.sh [all|etcd|helm|k8s|kubeadm|keda] (all: neither kubeadm nor keda); prints progress to
# stderr, versions land in $BIN/VERSIONS.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
HELM_VERSION="${HELM_VERSION:-3.22.0}"
KEDA_VERSION="${KEDA_VERSION:-2.21.0}"
RECIPE=2   # bump when the build flags change, so cached binaries are rebuilt (r2: gitMinor fixed to "34")
CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
BIN="$CACHE/bin"
WORK="$CACHE/build"
K8S_CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
log() { printf '[build-binaries %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
have() { [ -f "$BIN/.$1.stamp" ] && [ "$(cat "$BIN/.$1.stamp")" = "$2 r$RECIPE" ]; }
stamp() { echo "$2 r$RECIPE" > "$BIN/.$1.stamp"; }
need_go() {
  command -v go >/dev/null || { echo "build-binaries: 'go' is not on PATH and $1 is not cached in $BIN; install Go >= 1.24" >&2; exit 1; }
}
took() { log "$1: done in $(( SECONDS - $2 ))s"; }
mkdir -p "$BIN" "$WORK"

# prepare_k8s_module DIR: a module requiring k8s.io/kubernetes v$K8S_VERSION, its staging modules pinned to v0.x
prepare_k8s_module() {
  local v="$K8S_VERSION" s="0.${K8S_VERSION#1.}" gomod m
  rm -rf "$1"; mkdir -p "$1"; cd "$1"
  go mod init local/k8sbuild >/dev/null 2>&1
  go mod edit -godebug=default=go1.24
  gomod=$(go mod download -json "k8s.io/kubernetes@v$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  for m in $(awk '$2=="v0.0.0" && $1 ~ /^k8s\.io\//{print $1}' "$gomod"); do go mod edit "-replace=$m=$m@v$s"; done
  go mod edit "-require=k8s.io/kubernetes@v$v"
}

# the version variables Kubernetes' own build sets
k8s_ldflags() {
  local v="$K8S_VERSION" minor="${K8S_VERSION#1.}" date ldf="-s -w" pkg
  minor="${minor%%.*}"; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf+=" -X $pkg.gitVersion=v$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldf+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  echo "$ldf"
}

build_k8s() {
  local v="$K8S_VERSION" dir="$WORK/k8s-$K8S_VERSION" t0=$SECONDS c
  if have k8s "$v"; then log "kubernetes v$v: cached in $BIN"; return; fi
  need_go "kubernetes v$v"
  log "kubernetes v$v: preparing module (staging modules pinned to v0.${v#1.})"
  prepare_k8s_module "$dir"
  for c in "${K8S_CMDS[@]}"; do go mod edit "-tool=k8s.io/kubernetes/cmd/$c"; done
  log "kubernetes v$v: resolving modules (go mod tidy)"
  go mod tidy
  log "kubernetes v$v: compiling ${K8S_CMDS[*]} (cold: 20-40 min on 2 cores; warm: a few minutes of linking)"
  go build -p 2 -ldflags "$(k8s_ldflags)" -o "$BIN/" $(printf 'k8s.io/kubernetes/cmd/%s ' "${K8S_CMDS[@]}")
  stamp k8s "$v"; took "kubernetes v$v" "$t0"
}

# kubeadm (the kind node image needs it) has a stamp of its own, so adding it leaves the k8s binaries' stamp alone.
# It starts from the module build_k8s prepared (copied, so that directory is left as it is) when there is one.
build_kubeadm() {
  local v="$K8S_VERSION" src="$WORK/k8s-$K8S_VERSION" dir="$WORK/kubeadm-$K8S_VERSION" t0=$SECONDS
  if have kubeadm "$v"; then log "kubeadm v$v: cached in $BIN"; return; fi
  need_go "kubeadm v$v"
  if [ -f "$src/go.sum" ]; then
    log "kubeadm v$v: starting from the prepared module in $src"
    rm -rf "$dir"; mkdir -p "$dir"; cp "$src/go.mod" "$src/go.sum" "$dir/"; cd "$dir"
  else
    log "kubeadm v$v: preparing module"
    prepare_k8s_module "$dir"
  fi
  go mod edit -tool=k8s.io/kubernetes/cmd/kubeadm
  go mod tidy
  log "kubeadm v$v: compiling (warm build cache: a few minutes)"
  go build -p 2 -ldflags "$(k8s_ldflags)" -o "$BIN/" k8s.io/kubernetes/cmd/kubeadm
  stamp kubeadm "$v"; took "kubeadm v$v" "$t0"
}

build_etcd() {
  local v="$ETCD_VERSION" dir="$WORK/etcd-$ETCD_VERSION" t0=$SECONDS
  if [ -f "$BIN/.etcd.stamp" ] && [ "$(cat "$BIN/.etcd.stamp")" = "$v" ]; then stamp etcd "$v"; fi  # r1 stamps: same flags
  if have etcd "$v"; then log "etcd v$v: cached"; return; fi
  need_go "etcd v$v"
  log "etcd v$v: building"
  rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
  go mod init local/etcdbuild >/dev/null 2>&1
  go mod edit "-require=go.etcd.io/etcd/server/v3@v$v" "-require=go.etcd.io/etcd/etcdctl/v3@v$v" \
    -tool=go.etcd.io/etcd/server/v3 -tool=go.etcd.io/etcd/etcdctl/v3
  go mod tidy
  go build -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  go build -ldflags "-s -w" -o "$BIN/etcdctl" go.etcd.io/etcd/etcdctl/v3
  stamp etcd "$v"; took "etcd v$v" "$t0"
}

build_helm() {
  # "+caps": built with the Kubernetes version its client-go knows (helm template/lint assume 1.20 without it)
  local v="$HELM_VERSION" stampv="$HELM_VERSION+caps" dir="$WORK/helm-$HELM_VERSION" t0=$SECONDS
  if have helm "$stampv"; then log "helm v$v: cached"; return; fi
  need_go "helm v$v"
  log "helm v$v: building"
  rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
  go mod init local/helmbuild >/dev/null 2>&1
  go mod edit "-require=helm.sh/helm/v3@v$v" -tool=helm.sh/helm/v3/cmd/helm
  go mod tidy
  # as helm's Makefile does: the default capabilities are client-go's version (v0.34 -> Kubernetes 1.34)
  local cg minor ldf
  cg=$(go list -f '{{.Version}}' -m k8s.io/client-go); minor=$(echo "$cg" | cut -d. -f2)
  ldf="-s -w -X helm.sh/helm/v3/internal/version.version=v$v"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do ldf+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"; done
  go build -ldflags "$ldf" -o "$BIN/helm" helm.sh/helm/v3/cmd/helm
  stamp helm "$stampv"; took "helm v$v" "$t0"
}

build_keda() {
  # go.mod of KEDA has replace directives, so `go install module@version` refuses it: build in a writable copy
  # "+crds": every CRD the operator watches (keda.sh and eventing.keda.sh; without the latter it exits after 20 s)
  local v="$KEDA_VERSION" stampv="$KEDA_VERSION+crds" dir="$WORK/keda-$KEDA_VERSION" t0=$SECONDS src
  if have keda "$stampv"; then log "keda v$v: cached"; return; fi
  need_go "keda v$v"
  log "keda v$v: downloading the module"
  src=$(go mod download -json "github.com/kedacore/keda/v2@v$v" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  rm -rf "$dir"; cp -r "$src" "$dir"; chmod -R u+w "$dir"; cd "$dir"
  log "keda v$v: compiling the operator and the metrics adapter (cold: about 6 min on 2 cores)"
  local ldf="-s -w -X github.com/kedacore/keda/v2/version.Version=$v -X github.com/kedacore/keda/v2/version.GitCommit=v$v"
  go build -ldflags "$ldf" -o "$BIN/keda-operator" ./cmd/operator
  go build -ldflags "$ldf" -o "$BIN/keda-adapter" ./cmd/adapter
  # the CRDs the operator serves, as its release manifests carry them
  for f in config/crd/bases/*.yaml; do echo ---; cat "$f"; done > "$BIN/keda-crds.yaml"
  stamp keda "$stampv"; took "keda v$v" "$t0"
}

want="${1:-all}"
case "$want" in
  all) build_etcd; build_helm; build_k8s ;;
  etcd) build_etcd ;; helm) build_helm ;; k8s) build_k8s ;; kubeadm) build_kubeadm ;; keda) build_keda ;;
  *) echo "usage: $0 [all|etcd|helm|k8s|kubeadm|keda]" >&2; exit 2 ;;
esac
cd "$CACHE"
{
  echo "kubernetes=v$K8S_VERSION"; echo "etcd=v$ETCD_VERSION"; echo "helm=v$HELM_VERSION"; echo "keda=v$KEDA_VERSION"; echo "recipe=r$RECIPE"
  if command -v go >/dev/null; then echo "go=$(go env GOVERSION)"; fi
} > "$BIN/VERSIONS"
log "binaries ready in $BIN"
