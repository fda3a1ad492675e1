#!/usr/bin/env bash
# Shows the consumer image working outside Kubernetes: builds the example image (hack/images/build.sh),
# starts a container from it with runc (read-only root, uid 1000, no capabilities, host network), publishes
# messages to the local RabbitMQ with amqp-publish, shows the "recorder" module consuming them, then drains
# the container through GET /drain (what the kubelet's preStop hook does) and shows it exit 0.
# Usage: hack/consumer-demo.sh           env: HARE_DEMO_BROKER_URI, HARE_DEMO_PORT, HARE_DEMO_MESSAGES
source "$(dirname "$0")/images/lib.sh"
require buildah runc curl amqp-publish amqp-declare-queue amqp-consume amqp-delete-queue
export PATH="$("$REPO/hack/node.sh"):$PATH"

broker="${HARE_DEMO_BROKER_URI:-amqp://guest:guest@127.0.0.1:5672}"
port="${HARE_DEMO_PORT:-18080}"
messages="${HARE_DEMO_MESSAGES:-5}"
queue="hare-demo-$(date +%s)"
id="$queue-pod"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "image"
image="$("$REPO/hack/images/build.sh" examples | tail -n 1)"
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$image"

bundle="$(mktemp -d)"; ctr=""; runc_pid=""
cleanup() {
  [ -n "$runc_pid" ] && kill "$runc_pid" 2>/dev/null || true
  runc delete --force "$id" >/dev/null 2>&1 || true
  [ -n "$ctr" ] && { buildah umount "$ctr" >/dev/null 2>&1; buildah rm "$ctr" >/dev/null 2>&1; } || true
  for q in "$queue" "$queue.delay.10000" "$queue.dead" "$queue.processed"; do amqp-delete-queue --url "$broker" -q "$q" >/dev/null 2>&1 || true; done
  rm -rf "$bundle"
}
trap cleanup EXIT

step "runc bundle from the image"
ctr="$(buildah from "$image")"
rootfs="$(buildah mount "$ctr")"
buildah inspect --type image "$image" > "$bundle/image.json"
runc spec --bundle "$bundle"
node "$REPO/hack/images/oci-config.ts" "$bundle" "$rootfs" "$bundle/image.json" "$id" \
  HARE_MODULE=recorder HARE_QUEUE="$queue" HARE_BROKER_URI="$broker" HARE_POD_NAME="$id" \
  HARE_HTTP_PORT="$port" HARE_PREFETCH=5 HARE_DRAIN_TIMEOUT_SECONDS=10
echo "rootfs $rootfs (read-only), user $(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$image"), entrypoint: $(buildah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$image")"

step "start the container with runc"
amqp-declare-queue --url "$broker" -d -q "$queue.processed" >/dev/null   # where the recorder writes
runc run --bundle "$bundle" "$id" > "$bundle/container.log" 2>&1 &
runc_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "readyz: $(curl -sS "http://127.0.0.1:$port/readyz")"
runc list | sed -n "1p;/$id/p"

step "publish $messages messages with amqp-publish"
for i in $(seq 1 "$messages"); do
  amqp-publish --url "$broker" -r "$queue" -C application/json -p -b "{\"id\":\"demo-$i\",\"sleepMs\":100}"
done

step "records the recorder module published to $queue.processed"
timeout 60 amqp-consume --url "$broker" -q "$queue.processed" -c "$messages" cat | sed 's/}{/}\n{/g'; echo

step "container log"
cat "$bundle/container.log"

step "metrics"
curl -sS "http://127.0.0.1:$port/metrics" | grep -E '^hare_consumer_(messages_(received|acked)_total|connected|ready)'

step "broker side: the connection is named after the pod"
rabbitmqctl list_connections -q --no-table-headers name client_properties | grep -F "{\"connection_name\",\"$id\"}" \
  | cut -f1 | sed "s/\$/   connection_name = $id/" || echo "(connection not listed by rabbitmqctl)"

step "drain (GET /drain, as the preStop hook) and exit"
echo "drain response: $(curl -sS "http://127.0.0.1:$port/drain")"
set +e; wait "$runc_pid"; code=$?; set -e; runc_pid=""
tail -n 3 "$bundle/container.log"
echo "container exit code: $code"
[ "$code" -eq 0 ] || die "the container did not exit 0"
