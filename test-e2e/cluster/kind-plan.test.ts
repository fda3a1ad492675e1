// Unit tests: the kind provider's layout, cluster config, command lines and host rules.
import { describe, expect, it } from 'vitest';
import { cniRoutes, KIND_BROKER_CHAIN, kindBrokerDnatRules, kindBrokerJump, kindClusterConfig, kindCommands, kindEnv, kindLayout, podRoute } from './kind-plan.ts';

const l = kindLayout('/c', 'hare-e2e');

describe('kindLayout', () => {
  it('keeps the cluster apart from the local one: its own subnets, state under the cache', () => {
    expect(l).toMatchObject({ podSubnet: '10.245.0.0/16', serviceSubnet: '10.97.0.0/16', network: 'hare-kind', bridge: 'br-harekind' });
    expect(l.kubeconfig).toBe('/c/kind/state/hare-e2e/kubeconfig');
    expect(l.cniRoutesFile).toBe('/c/kind/state/hare-e2e/cni-routes');
  });
});

describe('kindClusterConfig', () => {
  it('sets both subnets and mounts the pods\' routes into the node', () => {
    const y = kindClusterConfig(l);
    expect(y).toContain('  podSubnet: 10.245.0.0/16\n  serviceSubnet: 10.97.0.0/16\n');
    expect(y).toContain('      - hostPath: /c/kind/state/hare-e2e/cni-routes\n        containerPath: /etc/hare/cni-routes\n');
  });
  it('gives pods no default route: services, the broker address and the host only', () => {
    expect(cniRoutes(l)).toBe('10.97.0.0/16\n10.244.0.1/32\n172.29.1.1/32\n');
  });
});

describe('kind commands', () => {
  it('create the named cluster from our image and config, with a private kubeconfig', () => {
    const c = kindCommands(l, 'localhost/hare/kind-node:v1.34.4-abc', '/c/k.yaml');
    expect(c.create).toEqual(['create', 'cluster', '--name', 'hare-e2e', '--image', 'localhost/hare/kind-node:v1.34.4-abc', '--config', '/c/k.yaml',
      '--kubeconfig', l.kubeconfig, '--wait', '180s']);
    expect(c.delete).toEqual(['delete', 'cluster', '--name', 'hare-e2e', '--kubeconfig', l.kubeconfig]);
  });
  it('run against our dockerd and network', () => {
    expect(kindEnv(l, 'unix:///run/hare-docker/docker.sock')).toEqual({ DOCKER_HOST: 'unix:///run/hare-docker/docker.sock', KIND_EXPERIMENTAL_DOCKER_NETWORK: 'hare-kind' });
  });
});

describe('broker rules', () => {
  it('DNAT the broker address\'s AMQP, AMQPS, management and KEDA adapter ports to loopback, in our own chain', () => {
    expect(kindBrokerDnatRules(l)).toEqual([5672, 5671, 15672, 16443].map((p) => ['-t', 'nat', '-A', KIND_BROKER_CHAIN, '-d', '10.244.0.1', '-p', 'tcp', '--dport', String(p), '-j', 'DNAT', '--to-destination', `127.0.0.1:${p}`]));
  });
  it('jump from PREROUTING on the kind bridge only', () => {
    expect(kindBrokerJump(l, '-I')).toEqual(['-t', 'nat', '-I', 'PREROUTING', '1', '-i', 'br-harekind', '-j', 'HAREKIND-BROKER']);
    expect(kindBrokerJump(l, '-D')).toEqual(['-t', 'nat', '-D', 'PREROUTING', '-i', 'br-harekind', '-j', 'HAREKIND-BROKER']);
  });
  it('route the pod range through the node', () => {
    expect(podRoute(l, '172.29.1.2', 'replace')).toEqual(['route', 'replace', '10.245.0.0/16', 'via', '172.29.1.2', 'dev', 'br-harekind']);
    expect(podRoute(l, '', 'del')).toEqual(['route', 'del', '10.245.0.0/16']);
  });
  it('never use a chain the local cluster\'s teardown owns (HARE-, KUBE-)', () => {
    expect(KIND_BROKER_CHAIN.startsWith('HARE-') || KIND_BROKER_CHAIN.startsWith('KUBE-')).toBe(false);
  });
});
