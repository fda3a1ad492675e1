#!/usr/bin/env bash
# The main job: hare-operator running a consumer pool under load.
#   npm run demo          no cluster configured: the local cluster (control plane + node), images built with
#                         buildah, the operator installed with Helm, examples/pool.yaml, a load generator.
#                         KUBECONFIG set (or HARE_DEMO_KUBECONFIG): installs into that cluster instead; the
#                         images must be pullable there (HARE_OPERATOR_IMAGE, HARE_EXAMPLES_IMAGE) and the
#                         broker reachable from its pods (HARE_DEMO_BROKER_URI, HARE_DEMO_MANAGEMENT_URI).
#   npm run demo:down     stops the load generator, uninstalls, and takes the local cluster down
#                         (HARE_DEMO_KEEP_CLUSTER=1 keeps the cluster up).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*" >&2; }
PATH="$(bash hack/node.sh):$PATH"; export PATH
CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
DEMO="$CACHE/demo"; mkdir -p "$DEMO"
NS=demo

down() {
  [ -f "$DEMO/load.pid" ] && kill "$(cat "$DEMO/load.pid")" 2>/dev/null || true
  rm -f "$DEMO/load.pid"
  if [ -f "$DEMO/kubeconfig" ]; then
    export KUBECONFIG="$(cat "$DEMO/kubeconfig")"
    # the pool first, so its pods drain and go while the operator still runs
    "$CACHE/bin/kubectl" delete namespace "$NS" --wait=true --timeout=180s 2>/dev/null || true
    "$CACHE/bin/helm" uninstall hare-operator -n hare-system --wait 2>/dev/null || true
  fi
  [ "$(cat "$DEMO/mode" 2>/dev/null)" = local ] && [ -z "${HARE_DEMO_KEEP_CLUSTER:-}" ] && npm run --silent cluster:down
  rm -rf "$DEMO"
}
[ "${1:-}" = down ] && { down; exit 0; }

step "dependencies (npm ci)"
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/build-binaries.sh all
KUBECTL="$CACHE/bin/kubectl"; HELM="$CACHE/bin/helm"

given="${HARE_DEMO_KUBECONFIG:-${KUBECONFIG:-}}"
if [ -n "$given" ] && [ "$given" != "$CACHE/cluster/admin.kubeconfig" ]; then
  export KUBECONFIG="${HARE_DEMO_KUBECONFIG:-$KUBECONFIG}"; echo existing > "$DEMO/mode"
  step "using the cluster in $KUBECONFIG"
  operator_image="${HARE_OPERATOR_IMAGE:?set HARE_OPERATOR_IMAGE to an operator image this cluster can pull}"
  examples_image="${HARE_EXAMPLES_IMAGE:?set HARE_EXAMPLES_IMAGE to an examples image this cluster can pull}"
  broker_uri="${HARE_DEMO_BROKER_URI:?set HARE_DEMO_BROKER_URI to an amqp:// URI the pods can reach}"
  management_uri="${HARE_DEMO_MANAGEMENT_URI:-}"
  host_uri="${HARE_DEMO_HOST_BROKER_URI:-$broker_uri}"
else
  echo local > "$DEMO/mode"
  step "RabbitMQ at 127.0.0.1:5672 with its management API (the pool reads unacked messages from it)"
  bash hack/ensure-rabbitmq.sh
  step "local cluster (npm run cluster:up)"
  bash hack/cluster-deps.sh node
  npm run --silent cluster:up
  export KUBECONFIG="$CACHE/cluster/admin.kubeconfig"
  step "images (buildah) imported into the node"
  for target in operator consumer examples; do
    bash hack/images/build.sh "$target" --archive >/dev/null
  done
  bash hack/cluster.sh import "$CACHE"/images/archives/{operator,examples}-0.1.0.tar
  operator_image=localhost/hare/operator:0.1.0; examples_image=localhost/hare/examples:0.1.0
  broker="$CACHE/cluster/rabbitmq-pods.json"
  broker_uri="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).uri)' "$broker")"
  management_uri="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).managementUri)' "$broker")"
  host_uri=amqp://guest:guest@127.0.0.1:5672/
fi
echo "$KUBECONFIG" > "$DEMO/kubeconfig"

step "operator (helm upgrade --install hare-operator charts/hare-operator -n hare-system)"
# --take-ownership: the chart manages its CRD; this adopts one applied by hand or by an earlier chart (0.1.0 used crds/)
"$HELM" upgrade --install hare-operator charts/hare-operator -n hare-system --create-namespace --take-ownership --wait --timeout 5m \
  --set image.repository="${operator_image%:*}" --set image.tag="${operator_image##*:}"

step "pool examples/pool.yaml in namespace $NS"
"$KUBECTL" create namespace "$NS" --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
"$KUBECTL" create secret generic rabbitmq -n "$NS" --from-literal=uri="$broker_uri" \
  ${management_uri:+--from-literal=management-uri="$management_uri"} --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
sed "s#image: localhost/hare/examples:0.1.0#image: $examples_image#" examples/pool.yaml | "$KUBECTL" apply -n "$NS" -f -

step "load generator (waves of messages; log: $DEMO/load.log)"
[ -f "$DEMO/load.pid" ] && kill "$(cat "$DEMO/load.pid")" 2>/dev/null || true
nohup node hack/demo-load.ts "$host_uri" orders > "$DEMO/load.log" 2>&1 &
echo $! > "$DEMO/load.pid"

cat <<MSG

hare-operator is running a pool of consumers under a changing load. Watch it:

  export KUBECONFIG=$KUBECONFIG
  $KUBECTL get cpool -n $NS -w                  # module, replicas, ready, queue depth, min, max, age
  $KUBECTL get cpool -n $NS -o wide             # plus unacked, draining, the autoscaler's reason
  $KUBECTL get pods -n $NS -w                   # pods created, drained (Terminating) and removed
  $KUBECTL describe cpool orders -n $NS         # conditions and Events: every scale, create, delete
  $KUBECTL scale cpool/orders -n $NS --replicas=5   # take over by hand (set spec.autoscaling.paused first)
  tail -f $DEMO/load.log                        # published vs processed

Stop everything: npm run demo:down
MSG
