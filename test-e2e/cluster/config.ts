// Local cluster layout: cache and state paths, addresses and ports, all derived from one place.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kubelet: number;
  kubeletHealthz: number;
  proxyMetrics: number;
  proxyHealthz: number;
}

export interface ClusterConfig {
  /** repository root (for hack/ scripts) */
  repoDir: string;
  /** ${XDG_CACHE_HOME:-~/.cache}/hare-operator, or $HARE_CACHE */
  cacheDir: string;
  /** built Kubernetes, etcd and helm binaries (hack/build-binaries.sh) */
  binDir: string;
  /** everything the running cluster owns; removed by cluster:down */
  stateDir: string;
  /** component logs; kept after cluster:down for post-mortems, truncated on the next start */
  logDir: string;
  /** locally built images (pause, netcheck) as docker-archive tarballs; a cache, kept across runs */
  imageDir: string;
  adminKubeconfig: string;
  nodeName: string;
  /** the node's address: the gateway of the pod bridge; also the API server's advertised address */
  nodeIp: string;
  podCidr: string;
  bridge: string;
  /** CNI network name; also prefixes libcni's cache files */
  cniNetwork: string;
  serviceCidr: string;
  kubernetesServiceIp: string;
  clusterDomain: string;
  pauseImage: string;
  ports: Ports;
}

export const DEFAULT_PORTS: Ports = {
  etcdClient: 2379,
  etcdPeer: 2380,
  apiserver: 6443,
  controllerManager: 10257,
  scheduler: 10259,
  kubelet: 10250,
  kubeletHealthz: 10248,
  proxyMetrics: 10249,
  proxyHealthz: 10256,
};

/** Builds the configuration; `env` and `home` are parameters so tests can pin them. */
export function clusterConfig(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): ClusterConfig {
  const cacheDir = env.HARE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'hare-operator');
  const stateDir = join(cacheDir, 'cluster');
  return {
    repoDir: resolve(fileURLToPath(new URL('../..', import.meta.url))),
    cacheDir,
    binDir: join(cacheDir, 'bin'),
    stateDir,
    logDir: join(cacheDir, 'logs', 'cluster'),
    imageDir: join(cacheDir, 'images'),
    adminKubeconfig: join(stateDir, 'admin.kubeconfig'),
    nodeName: 'hare-node',
    nodeIp: '10.244.0.1',
    podCidr: '10.244.0.0/24',
    bridge: 'hare0',
    cniNetwork: 'hare-pods',
    serviceCidr: '10.96.0.0/24',
    kubernetesServiceIp: '10.96.0.1',
    clusterDomain: 'cluster.local',
    pauseImage: 'localhost/hare/pause:3.10',
    ports: { ...DEFAULT_PORTS },
  };
}

/** Paths inside the state dir, in one place so start, stop and cleanup agree. */
export function statePaths(cfg: ClusterConfig): {
  pki: string;
  etcdData: string;
  run: string;
  containerd: string;
  containerdSocket: string;
  kubeletRoot: string;
  cniConfDir: string;
  cniIpamDir: string;
  podLogs: string;
  nodeState: string;
  brokerFile: string;
} {
  const s = cfg.stateDir;
  return {
    pki: join(s, 'pki'),
    etcdData: join(s, 'etcd'),
    run: join(s, 'run'),
    containerd: join(s, 'containerd'),
    containerdSocket: join(s, 'containerd', 'containerd.sock'),
    kubeletRoot: join(s, 'kubelet'),
    cniConfDir: join(s, 'cni', 'net.d'),
    cniIpamDir: join(s, 'cni', 'ipam'),
    podLogs: join(s, 'pod-logs'),
    nodeState: join(s, 'node-state.json'),
    brokerFile: join(s, 'rabbitmq-pods.json'),
  };
}
