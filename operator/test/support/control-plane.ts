// The control plane with the ConsumerPool CRD installed and established: what the integration tier and the
// operator benchmarks start from (the cluster is started, or reused when it already runs).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { clusterConfig, startControlPlane, type LocalCluster } from '../../../test-e2e/cluster/index.ts';
import { untilCondition } from '../../../test-e2e/support/wait.ts';

const CRD = new URL('../../../crds/consumerpools.hare.dev.yaml', import.meta.url).pathname;

export async function controlPlaneWithCrd(): Promise<{ cluster: LocalCluster; kubectl: string }> {
  const cluster = await startControlPlane();
  const kubectl = join(clusterConfig().binDir, 'kubectl');
  // stderr kept with the error, not printed: the first `kubectl wait` on a new CRD fails as untilCondition expects
  const run = (...args: string[]): string => execFileSync(kubectl, ['--kubeconfig', cluster.kubeconfig, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  run('apply', '--server-side', '--force-conflicts', '-f', CRD);
  await untilCondition((args) => Promise.resolve(run(...args)), 'Established', ['crd/consumerpools.hare.dev']);
  return { cluster, kubectl };
}
