// The start and end every e2e file shares: the cluster up with the project's images loaded, a namespace with the
// broker Secret, the operator installed with helm. No vitest import: the benchmarks on the node use it too.
import { join } from 'node:path';
import { brokerSecret, type PodBroker } from '../cluster/index.ts';
import { selectProvider, type E2ECluster } from '../cluster/provider.ts';
import { buildImage, REPO, tools, type ImageTarget, type Tools } from './tools.ts';

export const OPERATOR_NS = 'hare-system';

export interface Suite {
  readonly cluster: E2ECluster;
  readonly t: Tools;
  readonly broker: PodBroker;
  readonly namespace: string;
  /** image reference per target built for this suite */
  readonly images: ReadonlyMap<ImageTarget, string>;
}

/** Brings the cluster up (or reuses it), builds and loads `images`, makes `namespace` with the Secret "rabbitmq". */
export async function startSuite(options: { namespace: string; images: readonly ImageTarget[] }): Promise<Suite> {
  const cluster = await (await selectProvider()).up();
  try {
    const t = tools(cluster.kubeconfig);
    const built = new Map<ImageTarget, string>();
    const archives: string[] = [];
    for (const target of options.images) {
      const { image, archive } = await buildImage(target);
      built.set(target, image);
      archives.push(archive);
    }
    await cluster.loadImages(archives);
    await t.kubectl('create', 'namespace', options.namespace, '--dry-run=client', '-o', 'yaml').then((y) => t.kubectlStdin(y, 'apply', '-f', '-'));
    const broker = await cluster.podBroker();
    await t.kubectlStdin(JSON.stringify(brokerSecret(broker, options.namespace)), 'apply', '-f', '-');
    return { cluster, t, broker, namespace: options.namespace, images: built };
  } catch (err) {
    if (!process.env.HARE_E2E_KEEP_CLUSTER) await cluster.down(); // no suite to end: a failed start leaves nothing up
    throw err;
  }
}

/** Deletes the namespace (waited for, up to 2 min), uninstalls the operator if asked, and takes the cluster down unless HARE_E2E_KEEP_CLUSTER. */
export async function endSuite(suite: Suite | undefined, options: { uninstallOperator?: boolean } = {}): Promise<void> {
  if (suite === undefined) return;
  // waited for (the kubelet then tears each sandbox down itself, CNI results included), but not forever
  await suite.t.kubectl('delete', 'namespace', suite.namespace, '--wait=true', '--timeout=120s').catch(() => undefined);
  if (options.uninstallOperator) await suite.t.helm('uninstall', 'hare-operator', '-n', OPERATOR_NS, '--wait').catch(() => undefined);
  if (!process.env.HARE_E2E_KEEP_CLUSTER) await suite.cluster.down();
}

/** helm install of the chart in this tree, waited for; --take-ownership adopts a CRD applied outside Helm (the integration tier's). */
export async function installOperator(t: Tools, ...extra: string[]): Promise<void> {
  await t.helm('install', 'hare-operator', join(REPO, 'charts/hare-operator'), '-n', OPERATOR_NS, '--create-namespace', '--take-ownership', '--wait', '--timeout', '5m', ...extra);
}
