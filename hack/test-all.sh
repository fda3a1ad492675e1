#!/usr/bin/env bash
# The whole test run, from a fresh clone: Node 24, dependencies, lint, types, then the unit, integration and
# end-to-end tiers on real parts, the end-to-end suite twice: on this machine's node, then on kind.
# Usage: hack/test-all.sh [unit] [integration] [e2e] [kind]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n=== %s [%(%H:%M:%S)T] ===\n' "$*" -1; }
tiers=("$@"); [ ${#tiers[@]} -gt 0 ] || tiers=(unit integration e2e kind)
want() { local t; for t in "${tiers[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }

step "Node.js"
PATH="$(bash hack/node.sh):$PATH"; export PATH
node --version
step "system packages (Debian: openssl, prometheus, containerd, runc, CNI plugins, buildah, iptables, ...)"
if want e2e; then bash hack/cluster-deps.sh node; else bash hack/cluster-deps.sh control-plane; fi
if want kind; then bash hack/cluster-deps.sh kind; fi
# the unit tier renders the chart (the monitoring kit's promtool checks); cached after the first build
if want unit; then step "helm"; bash hack/build-binaries.sh helm; fi
step "npm ci"
npm ci --no-audit --no-fund
step "lint, types, generated types"
npm run lint
npm run typecheck
node hack/gen-types.ts --check
if want unit; then
  step "unit tier"; npm test
  step "Go unit tests (the Go reference image, hare-runc)"
  for m in examples/consumers/go hack/docker-runc; do (cd "$m" && GOTOOLCHAIN=local go test .); done
fi
if want integration || want e2e || want kind; then step "RabbitMQ"; bash hack/ensure-rabbitmq.sh; fi
if want integration; then step "integration tier"; npm run test:integration; fi
if want e2e || want kind; then
  step "KEDA v2.21.0's operator and metrics adapter (test-e2e/keda.e2e.ts; cached after the first build)"
  bash hack/build-binaries.sh keda
fi
if want e2e; then step "end-to-end tier on this machine's node"; HARE_E2E_PROVIDER=local npm run test:e2e; fi
# the project's dockerd (started and stopped by the provider), kind v0.33.0 and the offline node image (about 7 min
# cold, cached per input stamp)
if want kind; then
  step "end-to-end tier on kind"
  bash hack/build-binaries.sh all   # the node image's Kubernetes, and kubectl and helm for the suite (cached)
  HARE_E2E_PROVIDER=kind npm run test:e2e
fi
step "done"
