// Integration tier set-up: a real control plane (started, or reused when already up) with the CRD installed.
import type { TestProject } from 'vitest/node';
import { controlPlaneWithCrd } from './support/control-plane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { cluster, kubectl } = await controlPlaneWithCrd();
  project.provide('kubeconfig', cluster.kubeconfig);
  project.provide('kubectl', kubectl);
  return async () => {
    // leave a cluster we found running; stop one we started unless asked to keep it for the next run
    if (!cluster.alreadyRunning && !process.env.HARE_KEEP_CLUSTER) await cluster.stop();
  };
}
