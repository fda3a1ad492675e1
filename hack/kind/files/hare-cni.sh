#!/bin/sh
# The hare kind node's CNI (kindnetd is not built here): one Linux bridge, cni0, with host-local addresses from the
# node's spec.podCIDR and no masquerading, so pods reach other hosts with their own IP (single-node clusters only:
# nothing routes between nodes' pod ranges). Waits for kubeadm's kubelet.conf and the pod CIDR, then exits.
set -eu
conf=/etc/cni/net.d/10-hare-bridge.conflist
[ -s "$conf" ] && exit 0
node="$(hostname)"
cidr=""
while [ -z "$cidr" ]; do
  if [ -s /etc/kubernetes/kubelet.conf ]; then
    cidr="$(kubectl --kubeconfig=/etc/kubernetes/kubelet.conf get node "$node" -o 'jsonpath={.spec.podCIDR}' 2>/dev/null || true)"
  fi
  [ -n "$cidr" ] || sleep 1
done
mkdir -p /etc/cni/net.d
cat > "$conf.tmp" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "hare-kind",
  "plugins": [
    {
      "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$cidr" }]], "routes": [{ "dst": "0.0.0.0/0" }] }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
mv "$conf.tmp" "$conf"
echo "wrote $conf for pod CIDR $cidr"
