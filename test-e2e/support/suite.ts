// The start and end every e2e file shares: the cluster up with the project's images loaded, a namespace with the
// broker Secret, the operator installed with helm; and on a failed test, what the operator and the pools were doing.
import { join } from 'node:path';
import { onTestFailed } from 'vitest';
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
}

/** Deletes the namespace (not waited for), uninstalls the operator if asked, and takes the cluster down unless HARE_E2E_KEEP_CLUSTER. */
export async function endSuite(suite: Suite | undefined, options: { uninstallOperator?: boolean } = {}): Promise<void> {
  if (suite === undefined) return;
  await suite.t.kubectl('delete', 'namespace', suite.namespace, '--wait=false').catch(() => undefined);
  if (options.uninstallOperator) await suite.t.helm('uninstall', 'hare-operator', '-n', OPERATOR_NS, '--wait').catch(() => undefined);
  if (!process.env.HARE_E2E_KEEP_CLUSTER) await suite.cluster.down();
}

/** helm install of the chart in this tree, waited for; --take-ownership adopts a CRD applied outside Helm (the integration tier's). */
export async function installOperator(t: Tools, ...extra: string[]): Promise<void> {
  await t.helm('install', 'hare-operator', join(REPO, 'charts/hare-operator'), '-n', OPERATOR_NS, '--create-namespace', '--take-ownership', '--wait', '--timeout', '5m', ...extra);
}

/** On a failed test: the operator's logs, and the events, pools and pods of the suite's namespace. */
export function dumpOnFailure(suite: Suite): void {
  onTestFailed(async () => {
    const { t, namespace } = suite;
    const tryRun = async (...args: string[]): Promise<string> => t.kubectl(...args).catch((e: Error) => e.message);
    console.error('--- operator logs ---\n', await tryRun('logs', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=hare-operator', '--tail=80', '--prefix'));
    console.error('--- events ---\n', await tryRun('get', 'events', '-n', namespace, '--sort-by=.lastTimestamp'));
    console.error('--- pools ---\n', await tryRun('get', 'cpool', '-n', namespace, '-o', 'yaml'));
    console.error('--- pods ---\n', await tryRun('get', 'pods', '-n', namespace, '-o', 'wide'));
  });
}
