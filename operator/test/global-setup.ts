// Integration tier set-up: a real control plane (started, or reused when already up) with the CRD installed.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { clusterConfig, startControlPlane } from '../../test-e2e/cluster/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startControlPlane();
  const kubectl = join(clusterConfig().binDir, 'kubectl');
  const crd = new URL('../../crds/consumerpools.hare.dev.yaml', import.meta.url).pathname;
  const run = (...args: string[]): string => execFileSync(kubectl, ['--kubeconfig', cluster.kubeconfig, ...args], { encoding: 'utf8' });
  run('apply', '--server-side', '--force-conflicts', '-f', crd);
  run('wait', '--for=condition=Established', '--timeout=60s', 'crd/consumerpools.hare.dev');
  project.provide('kubeconfig', cluster.kubeconfig);
  project.provide('kubectl', kubectl);
  return async () => {
    // leave a cluster we found running; stop one we started unless asked to keep it for the next run
    if (!cluster.alreadyRunning && !process.env.HARE_KEEP_CLUSTER) await cluster.stop();
  };
}
