#!/usr/bin/env bash
# The main job: hare-operator running a consumer pool under load. Three paths (hack/demo-kind.ts mode picks one):
#   kind      `npm run demo -- --kind`, HARE_DEMO_PROVIDER=kind, or by itself where `docker info` and `kind version`
#             work: a kind cluster "hare-demo" (node image HARE_KIND_NODE_IMAGE, else hack/kind/node-image.sh's; Docker
#             started by hack/docker.sh where none answers), the images built with buildah and `kind load`ed,
#             RabbitMQ in the cluster (examples/rabbitmq.yaml in namespace messaging, a generated user, image
#             HARE_DEMO_RABBITMQ_IMAGE, else localhost/hare/rabbitmq built from Debian's package), the operator with
#             Helm, examples/pool.yaml, and the load generator on this host through the broker's NodePort, published
#             on 127.0.0.1:HARE_DEMO_AMQP_PORT (35672; management on HARE_DEMO_MANAGEMENT_PORT, 45672).
#   local     `-- --local`, HARE_DEMO_PROVIDER=local, or where Docker or kind is missing: the local cluster (control
#             plane + node), the host's RabbitMQ at 127.0.0.1:5672, images built with buildah, Helm, the pool, the load.
#   existing  KUBECONFIG set (or HARE_DEMO_KUBECONFIG): installs into that cluster; the images must be pullable there
#             (HARE_OPERATOR_IMAGE, HARE_EXAMPLES_IMAGE) and the broker reachable from its pods (HARE_DEMO_BROKER_URI,
#             HARE_DEMO_MANAGEMENT_URI).
#   npm run demo:down     stops the load generator, uninstalls, and takes down what the demo made: the kind cluster (and
#                         the Docker engine when the demo started it) or the local cluster (HARE_DEMO_KEEP_CLUSTER=1
#                         keeps either up); then checks that no container, network, mount or iptables rule is left.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n==> %s\n' "$*" >&2; }
PATH="$(bash hack/node.sh):$PATH"; export PATH
CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
DEMO="$CACHE/demo"; mkdir -p "$DEMO"
NS=demo
KIND_VERSION=v0.33.0

# kind_cmd create|delete|load DIR [ARCHIVE]: the kind command line of hack/demo-kind.ts into the array cmd
kind_cmd() { local out; out="$(node hack/demo-kind.ts cmd "$@")"; mapfile -t cmd <<< "$out"; }

# What a kind demo may leave behind; one line per trace, nothing when clean.
kind_leftovers() {
  local cluster="$1"
  if docker info >/dev/null 2>&1; then
    docker ps -a --filter "label=io.x-k8s.kind.cluster=$cluster" --format 'container {{.Names}} ({{.Status}})'
  fi
  awk -v c="$cluster" 'index($5, c) > 0 { print "mount " $5 }' /proc/self/mountinfo
  local ports; ports="$(tr ' ' '|' < "$DEMO/host-ports" 2>/dev/null || echo '35672|45672')"
  local save
  for save in iptables-save iptables-legacy-save; do
    command -v "$save" >/dev/null || continue
    "$save" 2>/dev/null | grep -E -- "--dport ($ports)( |\$)|$cluster" | sed "s/^/$save: /" || true
  done
}

down() {
  [ -f "$DEMO/load.pid" ] && kill "$(cat "$DEMO/load.pid")" 2>/dev/null || true
  rm -f "$DEMO/load.pid"
  local mode; mode="$(cat "$DEMO/mode" 2>/dev/null || true)"
  [ -f "$DEMO/docker-host" ] && { DOCKER_HOST="$(cat "$DEMO/docker-host")"; [ -n "$DOCKER_HOST" ] && export DOCKER_HOST; }
  if [ -f "$DEMO/kubeconfig" ] && { [ "$mode" != kind ] || [ -n "${HARE_DEMO_KEEP_CLUSTER:-}" ]; }; then
    export KUBECONFIG="$(cat "$DEMO/kubeconfig")"
    # the pool first, so its pods drain and go while the operator still runs
    "$CACHE/bin/kubectl" delete namespace "$NS" --wait=true --timeout=180s 2>/dev/null || true
    "$CACHE/bin/helm" uninstall hare-operator -n hare-system --wait 2>/dev/null || true
  fi
  [ "$mode" = local ] && [ -z "${HARE_DEMO_KEEP_CLUSTER:-}" ] && npm run --silent cluster:down
  if [ "$mode" = kind ] && [ -z "${HARE_DEMO_KEEP_CLUSTER:-}" ]; then
    local cluster; cluster="$(cat "$DEMO/kind-cluster")"
    step "deleting the kind cluster $cluster"
    KIND="$(cat "$DEMO/kind")" kind_cmd delete "$DEMO"
    "${cmd[@]}" || true
    if [ -f "$DEMO/docker-started" ]; then
      step "stopping the Docker engine the demo started (hack/docker.sh down)"
      bash hack/docker.sh down
    fi
    local left; left="$(kind_leftovers "$cluster")"
    if [ -n "$left" ]; then printf 'demo:down left behind:\n%s\n' "$left" >&2; exit 1; fi
    echo "demo:down: no containers, mounts or iptables rules of $cluster left" >&2
  fi
  rm -rf "$DEMO"
}
[ "${1:-}" = down ] && { down; exit 0; }

# The kind path: Docker (the user's, or hack/docker.sh's private engine), a kind cluster from the offline node image,
# the project's images and RabbitMQ's loaded into it, and the broker running in namespace messaging.
kind_up() {
  local cluster="${HARE_DEMO_KIND_CLUSTER:-hare-demo}" kind node_image rabbitmq_image target archives=()
  echo "$cluster" > "$DEMO/kind-cluster"
  if ! docker info >/dev/null 2>&1; then
    [ -f hack/docker.sh ] || { echo "demo: no Docker answers (docker info) and hack/docker.sh is missing" >&2; exit 1; }
    # the project's own engine; stopped by demo:down only when this run started it
    bash hack/docker.sh status >/dev/null 2>&1 || touch "$DEMO/docker-started"
    step "Docker: the project's own engine (hack/docker.sh up)"
    DOCKER_HOST="$(bash hack/docker.sh up | tail -n 1)"; export DOCKER_HOST
  fi
  # the project's engine has a network of its own for kind's nodes (fixed bridge, no route out)
  docker network inspect hare-kind >/dev/null 2>&1 && export KIND_EXPERIMENTAL_DOCKER_NETWORK=hare-kind
  echo "${DOCKER_HOST:-}" > "$DEMO/docker-host"
  kind="${KIND:-$(command -v kind || echo "$CACHE/kind/bin/kind")}"
  if [ ! -x "$kind" ]; then
    step "kind $KIND_VERSION (go install from the module proxy into $CACHE/kind/bin)"
    GOBIN="$CACHE/kind/bin" CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath go install "sigs.k8s.io/kind@$KIND_VERSION"
  fi
  echo "$kind" > "$DEMO/kind"; export KIND="$kind"
  node_image="${HARE_KIND_NODE_IMAGE:-}"
  if [ -z "$node_image" ]; then
    [ -f hack/kind/node-image.sh ] || { echo "demo: set HARE_KIND_NODE_IMAGE (hack/kind/node-image.sh is missing)" >&2; exit 1; }
    step "kind node image (hack/kind/node-image.sh; cached after the first build)"
    node_image="$(bash hack/kind/node-image.sh | tail -n 1)"
  fi
  export HARE_KIND_NODE_IMAGE="$node_image"

  step "images (buildah): operator, consumer, examples$([ -z "${HARE_DEMO_RABBITMQ_IMAGE:-}" ] && echo ', rabbitmq (Debian 12 rabbitmq-server)')"
  for target in operator consumer examples; do
    bash hack/images/build.sh "$target" --archive >/dev/null
  done
  archives=("$CACHE"/images/archives/{operator,examples}-0.1.0.tar)
  rabbitmq_image="${HARE_DEMO_RABBITMQ_IMAGE:-}"
  if [ -z "$rabbitmq_image" ]; then
    rabbitmq_image="$(bash hack/images/build.sh rabbitmq --archive | tail -n 1)"
    archives+=("$CACHE/images/archives/rabbitmq-${rabbitmq_image##*:}.tar")
  fi
  export HARE_DEMO_RABBITMQ_IMAGE="$rabbitmq_image"
  node hack/demo-kind.ts render "$DEMO"
  export KUBECONFIG="$DEMO/kind.kubeconfig"   # ($DEMO/kubeconfig holds the path, for demo:down)
  if "$kind" get clusters 2>/dev/null | grep -qx "$cluster"; then
    step "kind cluster $cluster exists: reusing it"
    "$kind" export kubeconfig --name "$cluster" --kubeconfig "$KUBECONFIG" >/dev/null
  else
    step "kind cluster $cluster from $node_image"
    kind_cmd create "$DEMO"
    "${cmd[@]}"
  fi
  step "kind load: ${archives[*]##*/}"
  for a in "${archives[@]}"; do
    kind_cmd load "$DEMO" "$a"
    "${cmd[@]}" >/dev/null
  done
  operator_image=localhost/hare/operator:0.1.0; examples_image=localhost/hare/examples:0.1.0

  step "RabbitMQ in the cluster ($rabbitmq_image; examples/rabbitmq.yaml in namespace messaging)"
  "$KUBECTL" create namespace messaging --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
  "$KUBECTL" apply -f "$DEMO/broker.json" >/dev/null
  "$KUBECTL" rollout status statefulset/rabbitmq -n messaging --timeout=300s
  pool_secret="$DEMO/pool-secret.json"
  host_uri="$(cat "$DEMO/host-uri")"
  read -r _ management_port < "$DEMO/host-ports"
  broker_note="  $KUBECTL get pods -n messaging                # the broker: StatefulSet rabbitmq, image $rabbitmq_image
  # management UI: http://127.0.0.1:$management_port, user hare, password in $DEMO/broker.password
"
}

step "dependencies (npm ci)"
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/build-binaries.sh all
KUBECTL="$CACHE/bin/kubectl"; HELM="$CACHE/bin/helm"

sel="$(node hack/demo-kind.ts mode "$@")"; mode="${sel%% *}"
step "path: $mode (${sel#* })"
if [ "$mode" = existing ]; then
  export KUBECONFIG="${HARE_DEMO_KUBECONFIG:-$KUBECONFIG}"; echo existing > "$DEMO/mode"
  step "using the cluster in $KUBECONFIG"
  operator_image="${HARE_OPERATOR_IMAGE:?set HARE_OPERATOR_IMAGE to an operator image this cluster can pull}"
  examples_image="${HARE_EXAMPLES_IMAGE:?set HARE_EXAMPLES_IMAGE to an examples image this cluster can pull}"
  broker_uri="${HARE_DEMO_BROKER_URI:?set HARE_DEMO_BROKER_URI to an amqp:// URI the pods can reach}"
  management_uri="${HARE_DEMO_MANAGEMENT_URI:-}"
  host_uri="${HARE_DEMO_HOST_BROKER_URI:-$broker_uri}"
elif [ "$mode" = kind ]; then
  echo kind > "$DEMO/mode"
  kind_up   # sets KUBECONFIG, the images, pool_secret and host_uri
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
if [ -n "${pool_secret:-}" ]; then
  "$KUBECTL" apply -n "$NS" -f "$pool_secret" >/dev/null   # the in-cluster broker's Service and its generated user
else
  "$KUBECTL" create secret generic rabbitmq -n "$NS" --from-literal=uri="$broker_uri" \
    ${management_uri:+--from-literal=management-uri="$management_uri"} --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
fi
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
${broker_note:-}
Stop everything: npm run demo:down
MSG
