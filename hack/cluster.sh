#!/usr/bin/env bash
# Local Kubernetes cluster for tests and the demo: up [--control-plane-only] [--no-build] | down | status | import <tar>... | restart-apiserver.
# `up` builds or reuses the cached binaries (hack/build-binaries.sh); the work is done by test-e2e/cluster/cli.ts on Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(bash hack/node.sh):$PATH"
export PATH
exec node test-e2e/cluster/cli.ts "$@"
