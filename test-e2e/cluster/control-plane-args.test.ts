// Unit tests: control-plane command lines (loopback only, explicit advertise address, the authorizers and keys we rely on).
import { describe, expect, it } from 'vitest';
import { clusterConfig } from './config.ts';
import { apiserverCommand, controllerManagerCommand, etcdCommand, schedulerCommand } from './control-plane-args.ts';

const cfg = clusterConfig({ HARE_CACHE: '/c' }, '/home/x');
const flag = (args: string[], name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('control-plane command lines', () => {
  it('runs the binaries from the cache bin dir and keeps state under the state dir', () => {
    expect(etcdCommand(cfg).bin).toBe('/c/bin/etcd');
    expect(flag(etcdCommand(cfg).args, 'data-dir')).toBe('/c/cluster/etcd');
    expect(apiserverCommand(cfg).bin).toBe('/c/bin/kube-apiserver');
  });

  it('binds every listener to loopback', () => {
    expect(flag(etcdCommand(cfg).args, 'listen-client-urls')).toBe('http://127.0.0.1:2379');
    expect(flag(etcdCommand(cfg).args, 'listen-peer-urls')).toBe('http://127.0.0.1:2380');
    for (const c of [apiserverCommand(cfg), controllerManagerCommand(cfg), schedulerCommand(cfg)]) {
      expect(flag(c.args, 'bind-address')).toBe('127.0.0.1');
    }
  });

  it('gives the API server an explicit advertise address, Node+RBAC authorization, admission plugins and signing keys', () => {
    const a = apiserverCommand(cfg).args;
    expect(flag(a, 'advertise-address')).toBe(cfg.nodeIp);
    expect(flag(a, 'authorization-mode')).toBe('Node,RBAC');
    expect(flag(a, 'enable-admission-plugins')).toBe('NodeRestriction,OwnerReferencesPermissionEnforcement');
    expect(flag(a, 'service-account-signing-key-file')).toBe('/c/cluster/pki/sa.key');
    expect(flag(a, 'service-account-key-file')).toBe('/c/cluster/pki/sa.pub');
    expect(flag(a, 'service-account-issuer')).toBe('https://kubernetes.default.svc.cluster.local');
    expect(flag(a, 'etcd-servers')).toBe('http://127.0.0.1:2379');
    expect(flag(a, 'secure-port')).toBe('6443');
  });

  it('enables the aggregation layer with a front-proxy CA of its own, as kubeadm does', () => {
    const a = apiserverCommand(cfg).args;
    expect(flag(a, 'requestheader-client-ca-file')).toBe('/c/cluster/pki/front-proxy-ca.crt');
    expect(flag(a, 'requestheader-allowed-names')).toBe('front-proxy-client');
    expect(flag(a, 'proxy-client-cert-file')).toBe('/c/cluster/pki/front-proxy-client.crt');
    expect(flag(a, 'proxy-client-key-file')).toBe('/c/cluster/pki/front-proxy-client.key');
    expect(flag(a, 'requestheader-username-headers')).toBe('X-Remote-User');
  });

  it('runs the controller-manager with all controllers, the root CA publisher inputs and no leader election', () => {
    const a = controllerManagerCommand(cfg).args;
    expect(flag(a, 'controllers')).toBe('*');
    expect(flag(a, 'root-ca-file')).toBe('/c/cluster/pki/ca.crt');
    expect(flag(a, 'service-account-private-key-file')).toBe('/c/cluster/pki/sa.key');
    expect(flag(a, 'use-service-account-credentials')).toBe('true');
    expect(flag(a, 'leader-elect')).toBe('false');
    expect(flag(a, 'kubeconfig')).toBe('/c/cluster/kubeconfigs/controller-manager.kubeconfig');
  });

  it('runs the scheduler without leader election on its own kubeconfig', () => {
    const a = schedulerCommand(cfg).args;
    expect(flag(a, 'leader-elect')).toBe('false');
    expect(flag(a, 'kubeconfig')).toBe('/c/cluster/kubeconfigs/scheduler.kubeconfig');
  });

  it('derives paths from XDG_CACHE_HOME when HARE_CACHE is unset', () => {
    const c = clusterConfig({ XDG_CACHE_HOME: '/xdg' }, '/home/x');
    expect(c.adminKubeconfig).toBe('/xdg/hare-operator/cluster/admin.kubeconfig');
    expect(clusterConfig({}, '/home/x').binDir).toBe('/home/x/.cache/hare-operator/bin');
  });
});
