#!/bin/sh
# Imports /kind/images/*.tar (docker archives) into containerd's k8s.io namespace; waits for containerd first.
set -eu
i=0
until ctr version >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -le 60 ] || { echo "containerd did not answer in 60 s" >&2; exit 1; }
  sleep 1
done
for f in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --snapshotter=overlayfs "$f" >/dev/null
  echo "imported $f"
done
