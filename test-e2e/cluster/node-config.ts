// Node configuration files (pure): containerd config.toml, the CNI bridge conflist, kubelet and kube-proxy configs.
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { statePaths } from './config.ts';
import { kubeconfigPath } from './kubeconfig.ts';

export const CNI_BIN_DIR = '/usr/lib/cni';
export const RUNC = '/usr/sbin/runc';

/** containerd 1.6 config: private root/state/socket, cgroupfs, our pause image, our CNI dir; no system paths. */
export function containerdConfig(cfg: ClusterConfig): string {
  const sp = statePaths(cfg);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const q = JSON.stringify;
  return `version = 2
root = ${q(join(sp.containerd, 'root'))}
state = ${q(join(sp.containerd, 'state'))}
# /opt/containerd and snapshotters we do not use stay untouched
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = ${q(sp.containerdSocket)}
[ttrpc]
  address = ${q(sp.containerdSocket + '.ttrpc')}

[${cri}]
  sandbox_image = ${q(cfg.pauseImage)}
  stream_server_address = "127.0.0.1"
  # without CAP_SYS_RESOURCE (as on these VMs) runc cannot lower oom_score_adj (sandbox: -998): clamp to ours
  restrict_oom_score_adj = true
  [${cri}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [${cri}.containerd.runtimes.runc.options]
        BinaryName = ${q(RUNC)}
        Root = ${q(join(sp.containerd, 'runc'))}
        SystemdCgroup = false
  [${cri}.cni]
    bin_dir = ${q(CNI_BIN_DIR)}
    conf_dir = ${q(sp.cniConfDir)}
    max_conf_num = 1
`;
}

/** Bridge network for pods: no masquerade, no default route; pods reach the pod subnet, the node and Services. */
export function cniConflist(cfg: ClusterConfig): string {
  const conf = {
    cniVersion: '1.0.0',
    name: cfg.cniNetwork,
    plugins: [
      {
        type: 'bridge',
        bridge: cfg.bridge,
        // the bridge and its address are made by cluster:up; false keeps the plugin from enabling ip_forward itself
        isGateway: false,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: statePaths(cfg).cniIpamDir,
          ranges: [[{ subnet: cfg.podCidr, gateway: cfg.nodeIp }]],
          routes: [{ dst: cfg.serviceCidr, gw: cfg.nodeIp }],
        },
      },
    ],
  };
  return JSON.stringify(conf, null, 2) + '\n';
}

/** KubeletConfiguration (JSON, which the kubelet reads like YAML). */
export function kubeletConfig(cfg: ClusterConfig): string {
  const sp = statePaths(cfg);
  const conf = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: cfg.nodeIp,
    port: cfg.ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: cfg.ports.kubeletHealthz,
    containerRuntimeEndpoint: `unix://${sp.containerdSocket}`,
    imageServiceEndpoint: `unix://${sp.containerdSocket}`,
    // containerd 1.6 has no RuntimeConfig RPC, so this must match its SystemdCgroup = false
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    tlsCertFile: join(sp.pki, 'kubelet.crt'),
    tlsPrivateKeyFile: join(sp.pki, 'kubelet.key'),
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: join(sp.pki, 'ca.crt') } },
    authorization: { mode: 'Webhook' },
    // images are imported, never pulled: garbage-collecting them would lose them for good
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    clusterDomain: cfg.clusterDomain,
    // no cluster DNS and no host resolvers: pods have no way out
    resolvConf: '',
    podLogsDir: sp.podLogs,
    serializeImagePulls: false,
    rotateCertificates: false,
    cgroupsPerQOS: true,
    cgroupRoot: '/',
    enforceNodeAllocatable: ['pods'],
    maxPods: 110,
    // 0 = leave our oom_score_adj alone (lowering it needs CAP_SYS_RESOURCE)
    oomScoreAdj: 0,
  };
  return JSON.stringify(conf, null, 2) + '\n';
}

/** KubeProxyConfiguration: iptables mode, loopback-only endpoints, no sysctl changes beyond what Services need. */
export function kubeProxyConfig(cfg: ClusterConfig): string {
  const conf = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: kubeconfigPath(cfg, 'kube-proxy') },
    mode: 'iptables',
    hostnameOverride: cfg.nodeName,
    healthzBindAddress: `127.0.0.1:${cfg.ports.proxyHealthz}`,
    metricsBindAddress: `127.0.0.1:${cfg.ports.proxyMetrics}`,
    clusterCIDR: cfg.podCidr,
    oomScoreAdj: 0,
    detectLocalMode: 'ClusterCIDR',
    nodePortAddresses: [`${cfg.nodeIp}/32`],
    iptables: { localhostNodePorts: false, masqueradeAll: false, syncPeriod: '30s', minSyncPeriod: '1s' },
    // zero = leave the host's conntrack sysctls alone
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
  return JSON.stringify(conf, null, 2) + '\n';
}

export function kubeletArgs(cfg: ClusterConfig, configFile: string): string[] {
  const sp = statePaths(cfg);
  return [
    `--config=${configFile}`,
    `--kubeconfig=${kubeconfigPath(cfg, 'kubelet')}`,
    `--node-ip=${cfg.nodeIp}`,
    `--hostname-override=${cfg.nodeName}`,
    `--root-dir=${sp.kubeletRoot}`,
    `--cert-dir=${join(sp.kubeletRoot, 'pki')}`,
    '--node-labels=hare.dev/local-node=true',
  ];
}
