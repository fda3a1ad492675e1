// The kind provider's pure parts: its layout, the kind cluster config, kind's command lines and the host rules that give
// pods the broker (and the node's API server KEDA's metrics adapter on this host).
import { join } from 'node:path';
import { KEDA_PORTS } from './keda-manifests.ts';

/** Where the kind cluster lives and how pods reach the host, derived from one place (see hack/docker.sh). */
export interface KindLayout {
  name: string;
  /** kind's kubeconfig for this cluster (never ~/.kube/config) */
  kubeconfig: string;
  /** the docker network hack/docker.sh makes (KIND_EXPERIMENTAL_DOCKER_NETWORK) and its Linux bridge */
  network: string;
  bridge: string;
  /** pods and services inside the node: apart from the local cluster's 10.244.0.0/24 and 10.96.0.0/24 */
  podSubnet: string;
  serviceSubnet: string;
  /**
   * The address pods use for the host's RabbitMQ: the local cluster's node address, which the broker's TLS
   * certificate names (hack/ensure-rabbitmq.sh). Pods send it to the node's default gateway, the host's end of the
   * bridge, where HAREKIND-BROKER DNATs it to loopback; it needs no local address on the host. The node's API server
   * reaches KEDA's metrics adapter on loopback the same way.
   */
  brokerIp: string;
  /** the host's loopback ports forwarded at brokerIp: AMQP, AMQPS, management, and KEDA's metrics adapter (keda.e2e) */
  loopbackPorts: readonly number[];
  /** the host's address on the bridge (the network's gateway) */
  hostIp: string;
  /** the only destinations pods have routes to (hack/kind/files/hare-cni.sh): no default route, as on the local node */
  cniRoutesFile: string;
  /** state of the provider (the broker user's credentials) */
  stateDir: string;
}

export const KIND_BROKER_CHAIN = 'HAREKIND-BROKER';
export const KIND_BROKER_USER = 'hare-kind-pods';

export function kindLayout(cacheDir: string, name: string): KindLayout {
  const stateDir = join(cacheDir, 'kind', 'state', name);
  return {
    name,
    kubeconfig: join(stateDir, 'kubeconfig'),
    network: 'hare-kind',
    bridge: 'br-harekind',
    podSubnet: '10.245.0.0/16',
    serviceSubnet: '10.97.0.0/16',
    brokerIp: '10.244.0.1',
    loopbackPorts: [5672, 5671, 15672, KEDA_PORTS.adapter],
    hostIp: '172.29.1.1',
    cniRoutesFile: join(stateDir, 'cni-routes'),
    stateDir,
  };
}

/** Pods' routes: services, the broker address and the host (replies to the test process); nothing else. */
export function cniRoutes(l: KindLayout): string {
  return [l.serviceSubnet, `${l.brokerIp}/32`, `${l.hostIp}/32`].join('\n') + '\n';
}

/** kind's cluster config: one node, our subnets, and the pods' routes mounted where the node's bridge CNI reads them. */
export function kindClusterConfig(l: KindLayout): string {
  return [
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    'networking:',
    `  podSubnet: ${l.podSubnet}`,
    `  serviceSubnet: ${l.serviceSubnet}`,
    'nodes:',
    '  - role: control-plane',
    '    extraMounts:',
    `      - hostPath: ${l.cniRoutesFile}`,
    '        containerPath: /etc/hare/cni-routes',
    '        readOnly: true',
    '',
  ].join('\n');
}

/** The environment kind runs with: our dockerd and our network. */
export function kindEnv(l: KindLayout, dockerHost: string): Record<string, string> {
  return { DOCKER_HOST: dockerHost, KIND_EXPERIMENTAL_DOCKER_NETWORK: l.network };
}

/** kind's command lines (pure, unit-tested). */
export function kindCommands(l: KindLayout, image: string, configFile: string): Record<'create' | 'exportKubeconfig' | 'delete' | 'list', string[]> {
  return {
    list: ['get', 'clusters'],
    create: ['create', 'cluster', '--name', l.name, '--image', image, '--config', configFile, '--kubeconfig', l.kubeconfig, '--wait', '180s'],
    exportKubeconfig: ['export', 'kubeconfig', '--name', l.name, '--kubeconfig', l.kubeconfig],
    delete: ['delete', 'cluster', '--name', l.name, '--kubeconfig', l.kubeconfig],
  };
}

/** nat rules of HAREKIND-BROKER (from PREROUTING on the bridge): the broker address's ports to loopback. */
export function kindBrokerDnatRules(l: KindLayout): string[][] {
  return l.loopbackPorts.map((port) => ['-t', 'nat', '-A', KIND_BROKER_CHAIN, '-d', l.brokerIp, '-p', 'tcp', '--dport', String(port), '-j', 'DNAT', '--to-destination', `127.0.0.1:${port}`]);
}

/** The jump into the chain, as iptables arguments to insert (-I, first), check (-C) or delete (-D) it. */
export function kindBrokerJump(l: KindLayout, op: '-I' | '-C' | '-D'): string[] {
  return ['-t', 'nat', op, 'PREROUTING', ...(op === '-I' ? ['1'] : []), '-i', l.bridge, '-j', KIND_BROKER_CHAIN];
}

/** The host's route to the pods (replies from the broker, the test process reaching pod IPs) via the node. */
export function podRoute(l: KindLayout, nodeIp: string, op: 'replace' | 'del'): string[] {
  return op === 'replace' ? ['route', 'replace', l.podSubnet, 'via', nodeIp, 'dev', l.bridge] : ['route', 'del', l.podSubnet];
}
