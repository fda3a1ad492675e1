// Test access to the real API server: typed clients, kubectl, a namespace per suite, polling with timeouts.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { Pool } from '../../src/api/pool.ts';
import { GROUP, LABELS, PLURAL, VERSION } from '../../src/metadata.ts';
import { waitFor } from '../../../test-e2e/support/wait.ts';

const execFileAsync = promisify(execFile);

export interface Kube {
  kubeconfig: string;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  kubectl(...args: string[]): Promise<string>;
  /** kubectl that may fail: resolves to its exit status and both streams. */
  kubectlResult(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** kubectl with `input` on stdin (e.g. apply -f -); may fail like kubectlResult. */
  kubectlStdin(input: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

export function kube(): Kube {
  const kubeconfig = inject('kubeconfig');
  const bin = inject('kubectl');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const kubectlResult = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await execFileAsync(bin, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 16 << 20 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const kubectlStdin = (input: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(bin, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input);
    });
  return {
    kubeconfig,
    kubectlStdin,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    kubectlResult,
    kubectl: async (...args) => {
      const r = await kubectlResult(...args);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
  };
}

/**
 * A fresh namespace for one suite, returned once its `default` ServiceAccount exists. Pods are refused until
 * the controller manager has made it, which can take tens of seconds after an API server restart
 * (Kubernetes' e2e framework waits the same way).
 */
export async function freshNamespace(k: Kube, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await k.core.createNamespace({ body: { metadata: { name } } });
  await waitFor(`the default ServiceAccount of namespace ${name}`, () => k.core.readNamespacedServiceAccount({ namespace: name, name: 'default' }), 120_000, 500);
  return name;
}

export async function getPool(k: Kube, namespace: string, name: string): Promise<Pool> {
  return (await k.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name })) as Pool;
}

export async function createPool(k: Kube, namespace: string, pool: object): Promise<Pool> {
  return (await k.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace, body: pool })) as Pool;
}

/** Pods of a pool as the API server has them now, sorted by name. */
export async function poolPods(k: Kube, namespace: string, pool: string): Promise<V1Pod[]> {
  const list = await k.core.listNamespacedPod({ namespace, labelSelector: `${LABELS.pool}=${pool}` });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

export { waitFor };
