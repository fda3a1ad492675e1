# Shared settings and helpers of the image scripts (sourced, not run).
# Everything downloaded or assembled is cached under $HARE_CACHE/images, outside the repository.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HARE_CACHE="${HARE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hare-operator}"
IMAGES_CACHE="$HARE_CACHE/images"
NODE_VERSION="${NODE_VERSION:-24.21.0}"
# The two base images every Node.js image of the project builds on (see hack/images/README.md).
BASE_RUNTIME_IMAGE="${BASE_RUNTIME_IMAGE:-localhost/hare/node:$NODE_VERSION}"
BASE_BUILD_IMAGE="${BASE_BUILD_IMAGE:-localhost/hare/node-build:$NODE_VERSION}"

log() { printf '\033[1m[images]\033[0m %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

require() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || die "$tool is required (Debian: apt-get install $tool)"; done
}

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# The version field of a package.json.
package_version() {
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$1" | head -n 1
}

# copy_closure BINARY ROOTFS: copies the shared libraries BINARY needs (its ldd closure) from this
# machine into ROOTFS at the same paths, symlinks resolved.
copy_closure() {
  local binary="$1" root="$2" lib
  for lib in $(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
