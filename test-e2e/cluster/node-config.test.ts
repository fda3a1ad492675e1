// Unit tests: node config files keep to private paths, cgroupfs, no masquerade and no route out.
import { describe, expect, it } from 'vitest';
import { clusterConfig } from './config.ts';
import { cniConflist, containerdConfig, kubeletArgs, kubeletConfig, kubeProxyConfig } from './node-config.ts';

const cfg = clusterConfig({ HARE_CACHE: '/c' }, '/home/x');

describe('containerd config', () => {
  const toml = containerdConfig(cfg);
  it('uses its own root, state and socket, never the system defaults', () => {
    expect(toml).toContain('root = "/c/cluster/containerd/root"');
    expect(toml).toContain('state = "/c/cluster/containerd/state"');
    expect(toml).toContain('address = "/c/cluster/containerd/containerd.sock"');
    expect(toml).not.toMatch(/\/var\/lib\/containerd|\/run\/containerd\/containerd\.sock|\/etc\/cni/);
  });
  it('runs runc with cgroupfs, our pause image and CNI dir, and clamps oom_score_adj', () => {
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain(`sandbox_image = "${cfg.pauseImage}"`);
    expect(toml).toContain('conf_dir = "/c/cluster/cni/net.d"');
    expect(toml).toContain('restrict_oom_score_adj = true');
  });
});

describe('CNI conflist', () => {
  const conf = JSON.parse(cniConflist(cfg)) as { plugins: Array<Record<string, unknown> & { ipam: Record<string, unknown> }> };
  const bridge = conf.plugins[0]!;
  it('bridges pods on their own subnet with no masquerade', () => {
    expect(bridge.type).toBe('bridge');
    expect(bridge.bridge).toBe('hare0');
    expect(bridge.ipMasq).toBe(false);
    expect(bridge.isGateway).toBe(false);
    expect(bridge.ipam.ranges).toEqual([[{ subnet: '10.244.0.0/24', gateway: '10.244.0.1' }]]);
  });
  it('routes only the service range through the node: no default route', () => {
    expect(bridge.ipam.routes).toEqual([{ dst: '10.96.0.0/24', gw: '10.244.0.1' }]);
    expect(JSON.stringify(conf)).not.toContain('0.0.0.0/0');
    expect(bridge.ipam.dataDir).toBe('/c/cluster/cni/ipam');
  });
});

describe('kubelet', () => {
  const k = JSON.parse(kubeletConfig(cfg)) as Record<string, unknown>;
  it('matches containerd (cgroupfs) and tolerates this machine (swap, cgroup v1)', () => {
    expect(k.cgroupDriver).toBe('cgroupfs');
    expect(k.failSwapOn).toBe(false);
    expect(k.failCgroupV1).toBe(false);
    expect(k.containerRuntimeEndpoint).toBe('unix:///c/cluster/containerd/containerd.sock');
  });
  it('never garbage-collects imported images and serves only on the node address', () => {
    expect(k.imageGCHighThresholdPercent).toBe(100);
    expect(k.address).toBe('10.244.0.1');
    expect(k.healthzBindAddress).toBe('127.0.0.1');
    expect(k.readOnlyPort).toBe(0);
    expect(k.resolvConf).toBe('');
  });
  it('sets node IP, name and private directories explicitly', () => {
    const a = kubeletArgs(cfg, '/x/kubelet.json');
    expect(a).toContain('--node-ip=10.244.0.1');
    expect(a).toContain('--hostname-override=hare-node');
    expect(a).toContain('--root-dir=/c/cluster/kubelet');
  });
});

describe('kube-proxy', () => {
  const p = JSON.parse(kubeProxyConfig(cfg)) as Record<string, unknown> & { iptables: Record<string, unknown>; conntrack: Record<string, unknown> };
  it('uses iptables mode without touching route_localnet or conntrack sysctls', () => {
    expect(p.mode).toBe('iptables');
    expect(p.iptables.localhostNodePorts).toBe(false);
    expect(p.conntrack.maxPerCore).toBe(0);
    expect(p.nodePortAddresses).toEqual(['10.244.0.1/32']);
    expect(p.healthzBindAddress).toBe('127.0.0.1:10256');
  });
});
