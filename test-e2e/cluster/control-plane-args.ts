// Command lines of etcd, kube-apiserver, kube-controller-manager and kube-scheduler (pure, unit-tested).
import { join } from 'node:path';
import { FRONT_PROXY_CLIENT } from './certs.ts';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { kubeconfigPath } from './kubeconfig.ts';

export type ControlPlaneComponent = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

export interface Command {
  bin: string;
  args: string[];
}

const flags = (o: Record<string, string | number | boolean>): string[] => Object.entries(o).map(([k, v]) => `--${k}=${String(v)}`);

export function etcdCommand(cfg: ClusterConfig): Command {
  const client = `http://127.0.0.1:${cfg.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${cfg.ports.etcdPeer}`;
  return {
    bin: join(cfg.binDir, 'etcd'),
    args: flags({
      name: 'hare',
      'data-dir': statePaths(cfg).etcdData,
      'listen-client-urls': client,
      'advertise-client-urls': client,
      'listen-peer-urls': peer,
      'initial-advertise-peer-urls': peer,
      'initial-cluster': `hare=${peer}`,
      'initial-cluster-state': 'new',
      // a throwaway test store: durability across machine crashes is not worth the fsync latency
      'unsafe-no-fsync': true,
      'log-level': 'warn',
    }),
  };
}

export function apiserverCommand(cfg: ClusterConfig): Command {
  const pki = statePaths(cfg).pki;
  const f = (n: string): string => join(pki, n);
  return {
    bin: join(cfg.binDir, 'kube-apiserver'),
    args: flags({
      'etcd-servers': `http://127.0.0.1:${cfg.ports.etcdClient}`,
      'bind-address': '127.0.0.1',
      'secure-port': cfg.ports.apiserver,
      // explicit, so no default route is needed; pods reach it there through the `kubernetes` Service
      'advertise-address': cfg.nodeIp,
      'service-cluster-ip-range': cfg.serviceCidr,
      'allow-privileged': true,
      'authorization-mode': 'Node,RBAC',
      // OwnerReferencesPermissionEnforcement, as OpenShift enables by default: a pod with blockOwnerDeletion on its
      // pool needs update on consumerpools/finalizers, so the tests catch an operator whose RBAC lacks it
      'enable-admission-plugins': 'NodeRestriction,OwnerReferencesPermissionEnforcement',
      'client-ca-file': f('ca.crt'),
      'tls-cert-file': f('apiserver.crt'),
      'tls-private-key-file': f('apiserver.key'),
      'kubelet-client-certificate': f('apiserver-kubelet-client.crt'),
      'kubelet-client-key': f('apiserver-kubelet-client.key'),
      'kubelet-preferred-address-types': 'InternalIP',
      'service-account-issuer': `https://kubernetes.default.svc.${cfg.clusterDomain}`,
      'service-account-key-file': f('sa.pub'),
      'service-account-signing-key-file': f('sa.key'),
      'cert-dir': join(pki, 'apiserver-generated'),
      // the aggregation layer, for aggregated API servers such as KEDA's metrics adapter (external.metrics.k8s.io)
      'requestheader-client-ca-file': f('front-proxy-ca.crt'),
      'requestheader-allowed-names': FRONT_PROXY_CLIENT,
      'requestheader-username-headers': 'X-Remote-User',
      'requestheader-group-headers': 'X-Remote-Group',
      'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
      'proxy-client-cert-file': f('front-proxy-client.crt'),
      'proxy-client-key-file': f('front-proxy-client.key'),
      profiling: false,
    }),
  };
}

/** Flags shared by the controller-manager and the scheduler: kubeconfigs, loopback serving, no leader election. */
function componentFlags(cfg: ClusterConfig, name: string, port: number): Record<string, string | number | boolean> {
  const kc = kubeconfigPath(cfg, name);
  return {
    kubeconfig: kc,
    'authentication-kubeconfig': kc,
    'authorization-kubeconfig': kc,
    'bind-address': '127.0.0.1',
    'secure-port': port,
    'cert-dir': join(statePaths(cfg).pki, `${name}-generated`),
    'leader-elect': false,
    profiling: false,
  };
}

export function controllerManagerCommand(cfg: ClusterConfig): Command {
  const pki = statePaths(cfg).pki;
  return {
    bin: join(cfg.binDir, 'kube-controller-manager'),
    args: flags({
      ...componentFlags(cfg, 'controller-manager', cfg.ports.controllerManager),
      // all default controllers: garbage collector, serviceaccount(-token), root-ca-cert-publisher, node lifecycle, ...
      controllers: '*',
      'use-service-account-credentials': true,
      'service-account-private-key-file': join(pki, 'sa.key'),
      'root-ca-file': join(pki, 'ca.crt'),
      'cluster-signing-cert-file': join(pki, 'ca.crt'),
      'cluster-signing-key-file': join(pki, 'ca.key'),
      'service-cluster-ip-range': cfg.serviceCidr,
      'allocate-node-cidrs': false,
      'cluster-name': 'hare-local',
    }),
  };
}

export function schedulerCommand(cfg: ClusterConfig): Command {
  return { bin: join(cfg.binDir, 'kube-scheduler'), args: flags(componentFlags(cfg, 'scheduler', cfg.ports.scheduler)) };
}

export function controlPlaneCommand(cfg: ClusterConfig, c: ControlPlaneComponent): Command {
  switch (c) {
    case 'etcd':
      return etcdCommand(cfg);
    case 'kube-apiserver':
      return apiserverCommand(cfg);
    case 'kube-controller-manager':
      return controllerManagerCommand(cfg);
    case 'kube-scheduler':
      return schedulerCommand(cfg);
  }
}
