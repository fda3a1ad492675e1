// Public TypeScript API of the local cluster (real etcd, kube-apiserver, controller-manager, scheduler; optional real node).
/**
 * Usage from tests (e.g. operator/test/global-setup.ts):
 *
 *   import { startControlPlane, restartApiServer } from '../../test-e2e/cluster/index.ts';
 *   const cluster = await startControlPlane();        // reuses a running cluster; builds binaries if missing
 *   process.env.KUBECONFIG = cluster.kubeconfig;       // admin (system:masters) kubeconfig, server https://127.0.0.1:6443
 *   ...
 *   await restartApiServer({ downMs: 2000 });          // stop the API server, keep it down 2 s, start, wait for /readyz
 *   if (!cluster.alreadyRunning) await cluster.stop(); // teardown: only if we started it
 *
 * - startControlPlane(): etcd + kube-apiserver + kube-controller-manager + kube-scheduler on loopback; resolves once
 *   /readyz is ok and the controller-manager has created the `default` ServiceAccount and kube-root-ca.crt.
 *   Cold start ~13-20 s; already running: ~3 s. Pods stay Pending unless the node is also up (then `node` is true).
 * - startCluster(): the same plus the node `hare-node` (containerd, kubelet, kube-proxy, pod bridge 10.244.0.0/24)
 *   and the RabbitMQ pod user; resolves once the node is Ready.
 * - stop(): cluster:down, everything (control plane and node); rejects if any trace is left.
 * - importImage(tarball): docker-archive tarball -> containerd k8s.io namespace; use localhost/<name>:<tag> names and
 *   imagePullPolicy IfNotPresent or Never.
 * - podBroker(): credentials and amqp:// / http:// URIs at which pods reach RabbitMQ (the node must be up).
 * Processes run detached (they outlive the caller); state lives in ~/.cache/hare-operator/cluster, logs in
 * ~/.cache/hare-operator/logs/cluster. Shell equivalents: npm run cluster:up / cluster:down, bash hack/cluster.sh.
 */
import { clusterDown, clusterUp, withClusterLock } from './cluster.ts';
import type { ClusterConfig } from './config.ts';
import { clusterConfig } from './config.ts';
import { restartApiServer as restart } from './control-plane.ts';
import { importImage as importIntoNode } from './images.ts';
import { apiserverUrl } from './kubeconfig.ts';
import { nodeRunning } from './node.ts';
import type { PodBroker } from './rabbitmq.ts';
import { readPodBroker } from './rabbitmq.ts';

export type { ClusterConfig } from './config.ts';
export type { PodBroker } from './rabbitmq.ts';
export { brokerSecret } from './rabbitmq.ts';

export interface LocalCluster {
  /** absolute path of the admin kubeconfig */
  kubeconfig: string;
  /** https://127.0.0.1:6443 */
  server: string;
  /** true when the cluster was already up before this call */
  alreadyRunning: boolean;
  /** true when the node (kubelet) runs: pods are then really scheduled and run, and the kubelet owns pod status */
  node: boolean;
  /** cluster:down (control plane and node); rejects listing any leftover trace */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** build missing binaries with hack/build-binaries.sh (cold: 20-40 min); default true */
  build?: boolean;
  config?: ClusterConfig;
}

async function start(node: boolean, opts: StartOptions): Promise<LocalCluster> {
  const cfg = opts.config ?? clusterConfig();
  const alreadyRunning = await clusterUp(cfg, { node, build: opts.build ?? true });
  const hasNode = node || (await nodeRunning(cfg));
  return { kubeconfig: cfg.adminKubeconfig, server: apiserverUrl(cfg), alreadyRunning, node: hasNode, stop: () => stopCluster(cfg) };
}

/** Starts (or reuses) the control plane only. */
export function startControlPlane(opts: StartOptions = {}): Promise<LocalCluster> {
  return start(false, opts);
}

/** Starts (or reuses) the control plane and the node, and waits for the node to be Ready. */
export function startCluster(opts: StartOptions = {}): Promise<LocalCluster> {
  return start(true, opts);
}

/** Stops everything and removes all state; rejects when something could not be removed. */
export async function stopCluster(cfg: ClusterConfig = clusterConfig()): Promise<void> {
  const left = await clusterDown(cfg);
  if (left.length > 0) throw new Error(`cluster down left traces:\n  ${left.join('\n  ')}`);
}

/** Restarts kube-apiserver with the same flags, down for `downMs`; resolves when /readyz is ok again. */
export function restartApiServer(opts: { downMs?: number; config?: ClusterConfig } = {}): Promise<void> {
  const cfg = opts.config ?? clusterConfig();
  return withClusterLock(cfg, () => restart(cfg, opts.downMs ?? 0));
}

/** Imports a docker-archive tarball into the node; returns the image names it holds. */
export function importImage(tarball: string, config: ClusterConfig = clusterConfig()): Promise<string[]> {
  return importIntoNode(config, tarball);
}

/** How pods reach RabbitMQ (user hare-pods); rejects when the node is not up. */
export async function podBroker(config: ClusterConfig = clusterConfig()): Promise<PodBroker> {
  const b = await readPodBroker(config);
  if (!b) throw new Error('podBroker: no pod broker credentials; start the node first (npm run cluster:up)');
  return b;
}

export { clusterConfig };
