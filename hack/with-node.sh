#!/usr/bin/env bash
# Runs a command with Node.js >= 22.19 first on PATH (hack/node.sh installs Node 24 when the machine's is older),
# so `npm test` and friends work on a machine whose own node is too old for vitest and for running .ts files.
set -euo pipefail
PATH="$(bash "$(dirname "$0")/node.sh"):$PATH"
export PATH
exec "$@"
