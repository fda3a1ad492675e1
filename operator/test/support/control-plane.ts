// The control plane with the ConsumerPool CRD installed and established: what the integration tier and the
// operator benchmarks start from (the cluster is started, or reused when it already runs).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { clusterConfig, startControlPlane, type LocalCluster } from '../../../test-e2e/cluster/index.ts';

const CRD = new URL('../../../crds/consumerpools.hare.dev.yaml', import.meta.url).pathname;

export async function controlPlaneWithCrd(): Promise<{ cluster: LocalCluster; kubectl: string }> {
  const cluster = await startControlPlane();
  const kubectl = join(clusterConfig().binDir, 'kubectl');
  const run = (...args: string[]): string => execFileSync(kubectl, ['--kubeconfig', cluster.kubeconfig, ...args], { encoding: 'utf8' });
  run('apply', '--server-side', '--force-conflicts', '-f', CRD);
  // kubectl wait fails at once ("status.conditions accessor error") on a CRD whose status has no conditions yet
  for (let attempt = 1; ; attempt++) {
    try {
      run('wait', '--for=condition=Established', '--timeout=60s', 'crd/consumerpools.hare.dev');
      break;
    } catch (err) {
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { cluster, kubectl };
}
