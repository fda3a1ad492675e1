#!/usr/bin/env bash
# Smoke test of localhost/hare/rabbitmq (hack/images/build.sh rabbitmq) outside Kubernetes, away from this machine's own
# RabbitMQ: runc runs the image (uid 999, no capabilities, read-only root, a fresh data directory) in a network namespace
# of its own, on ports 35672 (AMQP) and 45672 (management), with a user from a conf.d file as the demo's Secret
# provides it. Checks: the readiness command of examples/rabbitmq.yaml, an AMQP round trip as that user, the management
# API and the Prometheus endpoint, and that guest cannot log in. Cleans up its container, namespace and files.
# Usage: hack/images/rabbitmq-smoke.sh [IMAGE]
source "$(dirname "$0")/lib.sh"
require buildah runc jq ip curl amqp-publish amqp-get openssl
image="${1:-$("$REPO/hack/images/build.sh" rabbitmq | tail -n 1)}"
id="hare-rmq-smoke-$$"; ns="$id"; amqp=35672; http=45672; metrics=45692
user=hare; pass="$(openssl rand -hex 12)"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { ip netns exec "$ns" "$@"; }

bundle="$(mktemp -d)"; ctr=""; runc_pid=""
cleanup() {
  [ -n "$runc_pid" ] && kill "$runc_pid" 2>/dev/null || true
  runc kill "$id" KILL >/dev/null 2>&1 || true
  runc delete --force "$id" >/dev/null 2>&1 || true
  [ -n "$ctr" ] && { buildah umount "$ctr" >/dev/null 2>&1; buildah rm "$ctr" >/dev/null 2>&1; } || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$bundle"
}
trap cleanup EXIT

step "bundle from $image, network namespace $ns (loopback only)"
ip netns add "$ns"
in_ns ip link set lo up
ctr="$(buildah from "$image")"
rootfs="$(buildah mount "$ctr")"
buildah inspect --type image "$image" > "$bundle/image.json"
mkdir -p "$bundle/data" "$bundle/log" "$bundle/conf.d"
chown 999:999 "$bundle/data" "$bundle/log"
printf '127.0.0.1 localhost %s\n' "$id" > "$bundle/hosts"
# what the demo's Secret mounts (default_user.conf) plus this test's ports
printf 'default_user = %s\ndefault_pass = %s\nlisteners.tcp.default = %s\nmanagement.tcp.port = %s\nprometheus.tcp.port = %s\n' \
  "$user" "$pass" "$amqp" "$http" "$metrics" > "$bundle/conf.d/20-demo.conf"
chmod 0644 "$bundle/conf.d/20-demo.conf"
runc spec --bundle "$bundle"
node "$REPO/hack/images/oci-config.ts" "$bundle" "$rootfs" "$bundle/image.json" "$id"
# oci-config.ts gives the host's network; this test gives the container its own namespace, a data directory and config
jq --arg ns "/var/run/netns/$ns" --arg b "$bundle" '
  .linux.namespaces += [{type: "network", path: $ns}]
  | .mounts |= map(if .destination == "/sys" then {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]} else . end)
  | .mounts += [
      {destination: "/var/lib/rabbitmq", type: "bind", source: ($b + "/data"), options: ["rbind", "rw"]},
      {destination: "/var/log/rabbitmq", type: "bind", source: ($b + "/log"), options: ["rbind", "rw"]},
      {destination: "/etc/rabbitmq/conf.d", type: "bind", source: ($b + "/conf.d"), options: ["rbind", "ro"]},
      {destination: "/etc/hosts", type: "bind", source: ($b + "/hosts"), options: ["bind", "ro"]}]' \
  "$bundle/config.json" > "$bundle/config.new" && mv "$bundle/config.new" "$bundle/config.json"
echo "user $(jq -c .process.user "$bundle/config.json"), args $(jq -c .process.args "$bundle/config.json"), read-only root: $(jq .root.readonly "$bundle/config.json")"

step "start"
runc run --bundle "$bundle" "$id" > "$bundle/container.log" 2>&1 &
runc_pid=$!
ready=false
for _ in $(seq 1 90); do
  # the readiness probe of examples/rabbitmq.yaml
  if runc exec "$id" rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then ready=true; break; fi
  kill -0 "$runc_pid" 2>/dev/null || break
  sleep 1
done
$ready || { tail -n 40 "$bundle/container.log"; die "the node did not become ready"; }
echo "RabbitMQ $(runc exec "$id" rabbitmq-diagnostics -q server_version), plugins: $(runc exec "$id" rabbitmq-plugins -q list -e -m | tr '\n' ' ')"
echo "process: $(runc exec "$id" id)"

step "AMQP round trip as $user on port $amqp"
url="amqp://$user:$pass@127.0.0.1:$amqp"
in_ns amqp-declare-queue --url "$url" -q smoke >/dev/null
in_ns amqp-publish --url "$url" -r smoke -b "hello from $id"
got="$(in_ns amqp-get --url "$url" -q smoke)"
echo "got: $got"
[ "$got" = "hello from $id" ] || die "the message did not come back"

step "management API on $http and Prometheus on $metrics"
in_ns curl -fsS -u "$user:$pass" "http://127.0.0.1:$http/api/whoami"; echo
in_ns curl -fsS "http://127.0.0.1:$metrics/metrics" | grep -m 2 '^rabbitmq_' || die "no rabbitmq_ metrics"

step "guest cannot log in"
code="$(in_ns curl -s -o /dev/null -w '%{http_code}' -u guest:guest "http://127.0.0.1:$http/api/whoami")"
echo "management API as guest: HTTP $code"
[ "$code" = 401 ] || die "guest got HTTP $code from the management API"
if in_ns amqp-declare-queue --url "amqp://guest:guest@127.0.0.1:$amqp" -q smoke >/dev/null 2>&1; then die "guest opened an AMQP connection"; fi
echo "AMQP as guest: refused"

step "stop (SIGTERM)"
runc kill "$id" TERM
set +e; wait "$runc_pid"; code=$?; set -e; runc_pid=""
tail -n 2 "$bundle/container.log"
echo "container exit code: $code"
