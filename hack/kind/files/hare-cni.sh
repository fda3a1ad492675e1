#!/bin/sh
# The hare kind node's CNI (kindnetd is not built here): one Linux bridge, cni0, with host-local addresses from the
# node's spec.podCIDR and no masquerading, so pods reach other hosts with their own IP (single-node clusters only:
# nothing routes between nodes' pod ranges). Pods get a default route, or, when /etc/hare/cni-routes lists
# destinations (one CIDR a line; the hare e2e provider mounts it), routes to those only. Waits for kubeadm's
# kubelet.conf and the pod CIDR, then writes the configuration and exits.
set -eu
conf=/etc/cni/net.d/10-hare-bridge.conflist
[ -s "$conf" ] && exit 0
node="$(cat /proc/sys/kernel/hostname)"
cidr=""
while [ -z "$cidr" ]; do
  if [ -s /etc/kubernetes/kubelet.conf ]; then
    cidr="$(kubectl --kubeconfig=/etc/kubernetes/kubelet.conf get node "$node" -o 'jsonpath={.spec.podCIDR}' 2>/dev/null || true)"
  fi
  [ -n "$cidr" ] || sleep 1
done
routes='{ "dst": "0.0.0.0/0" }'
if [ -s /etc/hare/cni-routes ]; then
  routes="$(grep -v '^#' /etc/hare/cni-routes | sed -n 's|^ *\([0-9./]*\) *$|{ "dst": "\1" }|p' | paste -sd, -)"
fi
mkdir -p /etc/cni/net.d
cat > "$conf.tmp" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "hare-kind",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$cidr" }]], "routes": [$routes] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
mv "$conf.tmp" "$conf"
echo "wrote $conf for pod CIDR $cidr, routes $routes"
