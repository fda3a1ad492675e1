#!/usr/bin/env bash
# A private Docker engine for kind: Debian's docker.io, its own socket, data root, exec root and pidfile, no route out.
# Usage: hack/docker.sh up|down|status|env
#   up      installs docker.io when dockerd is missing, starts the daemon (idempotent), prints DOCKER_HOST
#   down    removes every container and network, stops the daemon, then checks that nothing is left (exit 1 if so)
#   status  pid, socket, `docker info` summary;  env: prints `export DOCKER_HOST=...` for `eval`
#   up also makes the network hare-kind (172.29.1.0/24, bridge br-harekind, gateway 172.29.1.1) for kind's nodes,
#   and the FORWARD guard HAREKIND-FORWARD (nothing forwarded between docker's bridges and other interfaces)
# Callers: export DOCKER_HOST=unix:///run/hare-docker/docker.sock (what `env` prints).
# The daemon never touches iptables (--iptables=false --ip6tables=false --ip-forward=false --ip-masq=false), so the
# FORWARD policy, br_netfilter and the local cluster's chains stay as they are; `up` and `down` check FORWARD.
# Its runtime is hare-runc (hack/docker-runc): runc, minus the capabilities this host's bounding set lacks, which
# Docker 20.10 would otherwise ask for in --privileged containers such as kind's nodes.
# The data root is a cache (images survive `down`); docs: test-e2e/cluster/README.md, section "kind".
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HARE_CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
DOCKER_DIR="$HARE_CACHE/docker"
DATA_ROOT="$DOCKER_DIR/data"
EXEC_ROOT="$DOCKER_DIR/exec"
RUN_DIR="${HARE_DOCKER_RUN_DIR:-/run/hare-docker}"
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$RUN_DIR/dockerd.pid"
LOG_DIR="$HARE_CACHE/logs/docker"
# Networks docker creates take /24s from this pool (kind's network is one); it overlaps neither the local cluster's
# pods (10.244.0.0/16) nor its services (10.96.0.0/24).
ADDRESS_POOL="${HARE_DOCKER_POOL:-172.29.0.0/16}"
# The network kind's nodes join (KIND_EXPERIMENTAL_DOCKER_NETWORK=hare-kind), made here so its bridge has a fixed
# name and address: the host is its gateway, which pods reach the host's loopback-only RabbitMQ through.
KIND_NETWORK=hare-kind
KIND_BRIDGE=br-harekind
KIND_SUBNET="${ADDRESS_POOL%.*.*}.1.0/24"
KIND_GATEWAY="${ADDRESS_POOL%.*.*}.1.1"
GUARD=HAREKIND-FORWARD
export DOCKER_HOST="unix://$SOCK"

log() { printf '[docker %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf '[docker] error: %s\n' "$*" >&2; exit 1; }
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
# FORWARD as it is, minus our own guard's jump (the check is that dockerd changes nothing there)
forward_rules() { iptables -w -S FORWARD 2>/dev/null | grep -v -- "-j $GUARD\$"; }

# No route out: nothing is forwarded between docker's bridges and any other interface (ip_forward may be on for the
# local cluster); traffic within the pool (node to node on one bridge, with bridge-nf-call-iptables) passes.
add_guard() {
  iptables -w -n -L "$GUARD" >/dev/null 2>&1 && return
  iptables -w -N "$GUARD"
  iptables -w -A "$GUARD" -s "$ADDRESS_POOL" -d "$ADDRESS_POOL" -j ACCEPT
  iptables -w -A "$GUARD" -i br-+ -j DROP
  iptables -w -A "$GUARD" -o br-+ -j DROP
  iptables -w -I FORWARD 1 -j "$GUARD"
}
remove_guard() {
  while iptables -w -D FORWARD -j "$GUARD" 2>/dev/null; do :; done
  if iptables -w -n -L "$GUARD" >/dev/null 2>&1; then iptables -w -F "$GUARD"; iptables -w -X "$GUARD"; fi
}

ensure_kind_network() {
  docker network inspect "$KIND_NETWORK" >/dev/null 2>&1 && return
  log "creating docker network $KIND_NETWORK ($KIND_SUBNET, bridge $KIND_BRIDGE, gateway $KIND_GATEWAY)"
  docker network create --driver bridge --subnet "$KIND_SUBNET" --gateway "$KIND_GATEWAY" \
    -o com.docker.network.bridge.name="$KIND_BRIDGE" -o com.docker.network.bridge.enable_ip_masquerade=false \
    -o com.docker.network.driver.mtu=1500 "$KIND_NETWORK" >/dev/null
}

install_docker() {
  command -v dockerd >/dev/null && return
  log "dockerd missing: installing Debian's docker.io (apt-get update first)"
  # The package's postinst would start a stock daemon (iptables on, FORWARD policy DROP): forbid service starts.
  local guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d; guard=1
  fi
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io >&2 || { [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d; die "apt-get install docker.io failed"; }
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
  command -v dockerd >/dev/null || die "docker.io installed but dockerd is not on PATH"
}

# hare-runc (hack/docker-runc): runc minus the capabilities this host's bounding set lacks, cached per source hash
RUNC_WRAPPER="$DOCKER_DIR/bin/hare-runc"
build_runtime() {
  local src="$REPO/hack/docker-runc" sum
  sum="$(cat "$src"/go.mod "$src"/main.go | sha256sum | cut -c1-12)"
  [ -x "$RUNC_WRAPPER" ] && [ "$(cat "$RUNC_WRAPPER.stamp" 2>/dev/null)" = "$sum" ] && return
  command -v go >/dev/null || die "go is needed to build $src"
  log "building hare-runc (dockerd's runtime: runc without the capabilities this host lacks)"
  mkdir -p "$(dirname "$RUNC_WRAPPER")"
  (cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath go build -ldflags '-s -w' -o "$RUNC_WRAPPER" .)
  echo "$sum" > "$RUNC_WRAPPER.stamp"
}

write_config() {
  mkdir -p "$DOCKER_DIR" "$DATA_ROOT" "$EXEC_ROOT" "$RUN_DIR" "$LOG_DIR"
  local base="${ADDRESS_POOL%/*}" size=24
  cat > "$DOCKER_DIR/daemon.json" <<EOF
{
  "hosts": ["unix://$SOCK"],
  "data-root": "$DATA_ROOT",
  "exec-root": "$EXEC_ROOT",
  "pidfile": "$PIDFILE",
  "bridge": "none",
  "default-address-pools": [{ "base": "$base/16", "size": $size }],
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false,
  "oom-score-adjust": 0,
  "runtimes": { "hare-runc": { "path": "$RUNC_WRAPPER" } },
  "default-runtime": "hare-runc",
  "storage-driver": "overlay2",
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "2" },
  "features": { "buildkit": false }
}
EOF
}

up() {
  install_docker
  if running && docker info >/dev/null 2>&1; then
    log "dockerd already running (pid $(cat "$PIDFILE"))"; add_guard; ensure_kind_network; echo "$DOCKER_HOST"; return
  fi
  local before; before="$(forward_rules)"
  build_runtime
  write_config
  log "starting dockerd (socket $SOCK, data root $DATA_ROOT, log $LOG_DIR/dockerd.log)"
  setsid dockerd --config-file "$DOCKER_DIR/daemon.json" >>"$LOG_DIR/dockerd.log" 2>&1 < /dev/null &
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 $! 2>/dev/null || { tail -n 20 "$LOG_DIR/dockerd.log" >&2; die "dockerd exited during start"; }
    [ $((i % 5)) -eq 0 ] && log "waiting for dockerd ($i s)"
    sleep 1
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer on $SOCK within 60 s (log: $LOG_DIR/dockerd.log)"
  [ "$(forward_rules)" = "$before" ] || die "the FORWARD chain changed while dockerd started: before: $before; now: $(forward_rules)"
  add_guard; ensure_kind_network
  log "dockerd ready (pid $(cat "$PIDFILE"), $(docker version --format '{{.Server.Version}}'))"
  echo "$DOCKER_HOST"
}

# Everything of ours that `down` must have removed; one line per trace, nothing when clean.
leftovers() {
  local p
  for p in $(pgrep -x dockerd 2>/dev/null; pgrep -x containerd 2>/dev/null; pgrep -f containerd-shim 2>/dev/null); do
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -qE "$DOCKER_DIR|$RUN_DIR" && echo "process $p: $(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-120)"
  done
  awk -v a="$DOCKER_DIR" -v b="$RUN_DIR" 'index($5, a) == 1 || index($5, b) == 1 { print "mount " $5 }' /proc/self/mountinfo
  ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^(br-|hare-kind|docker0)/ { print "link " $2 }'
  iptables-save 2>/dev/null | awk '/^:(HAREKIND-|DOCKER)/ { print "iptables chain " substr($1, 2) }'
  [ -e "$SOCK" ] && echo "socket $SOCK"
  true
}

down() {
  local before; before="$(forward_rules)"
  if running; then
    local ids nets
    ids="$(docker ps -aq 2>/dev/null || true)"
    if [ -n "$ids" ]; then log "removing $(echo "$ids" | wc -l) container(s)"; docker rm -f -v $ids >/dev/null; fi
    nets="$(docker network ls -q --filter type=custom 2>/dev/null || true)"
    if [ -n "$nets" ]; then log "removing $(echo "$nets" | wc -l) network(s)"; docker network rm $nets >/dev/null; fi
    local pid; pid="$(cat "$PIDFILE")"
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    local i
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then log "dockerd still up after 30 s: SIGKILL"; kill -KILL "$pid"; sleep 1; fi
  else
    log "dockerd not running"
  fi
  # what a killed daemon can leave: its containerd, mounts under the exec root, the run dir
  local p m
  for p in $(pgrep -f "$EXEC_ROOT" 2>/dev/null || true); do kill -KILL "$p" 2>/dev/null || true; done
  for m in $(awk -v a="$EXEC_ROOT" -v b="$RUN_DIR" -v c="$DATA_ROOT" 'index($5, a) == 1 || index($5, b) == 1 || index($5, c) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$RUN_DIR" "$EXEC_ROOT"
  remove_guard
  [ "$(forward_rules)" = "$before" ] || die "the FORWARD chain changed during teardown"
  local left; left="$(leftovers)"
  if [ -n "$left" ]; then printf '[docker] left behind:\n%s\n' "$left" >&2; exit 1; fi
  log "down: no containers, networks, mounts, links or chains left (data root $DATA_ROOT kept as a cache)"
}

status() {
  if running; then
    echo "dockerd: pid $(cat "$PIDFILE"), socket $SOCK"
    docker info --format 'server {{.ServerVersion}}, {{.Containers}} containers ({{.ContainersRunning}} running), {{.Images}} images, driver {{.Driver}}, cgroup {{.CgroupDriver}} v{{.CgroupVersion}}'
  else
    echo "dockerd: not running"; return 3
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  leftovers) leftovers ;;
  *) echo "usage: $0 up|down|status|env|leftovers" >&2; exit 2 ;;
esac
