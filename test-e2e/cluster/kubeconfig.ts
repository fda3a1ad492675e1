// Kubeconfig rendering (pure) and writing one per component from the PKI directory.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';

export interface KubeconfigInput {
  cluster: string;
  user: string;
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A single-context kubeconfig with embedded credentials, so the file can be copied anywhere. */
export function renderKubeconfig(k: KubeconfigInput): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${k.cluster}`,
    '  cluster:',
    `    server: ${k.server}`,
    `    certificate-authority-data: ${b64(k.caPem)}`,
    'users:',
    `- name: ${k.user}`,
    '  user:',
    `    client-certificate-data: ${b64(k.certPem)}`,
    `    client-key-data: ${b64(k.keyPem)}`,
    'contexts:',
    `- name: ${k.user}@${k.cluster}`,
    '  context:',
    `    cluster: ${k.cluster}`,
    `    user: ${k.user}`,
    `current-context: ${k.user}@${k.cluster}`,
    '',
  ].join('\n');
}

/** The loopback URL of the API server, used by every host-side client. */
export function apiserverUrl(cfg: ClusterConfig): string {
  return `https://127.0.0.1:${cfg.ports.apiserver}`;
}

/** Path of a component's kubeconfig (admin's is cfg.adminKubeconfig). */
export function kubeconfigPath(cfg: ClusterConfig, component: string): string {
  return component === 'admin' ? cfg.adminKubeconfig : join(cfg.stateDir, 'kubeconfigs', `${component}.kubeconfig`);
}

/** Writes kubeconfigs for admin, controller-manager, scheduler, kubelet and kube-proxy. */
export async function writeKubeconfigs(cfg: ClusterConfig, pki: string): Promise<void> {
  const caPem = await readFile(join(pki, 'ca.crt'), 'utf8');
  await mkdir(join(cfg.stateDir, 'kubeconfigs'), { recursive: true, mode: 0o700 });
  for (const name of ['admin', 'controller-manager', 'scheduler', 'kubelet', 'kube-proxy']) {
    const [certPem, keyPem] = await Promise.all([readFile(join(pki, `${name}.crt`), 'utf8'), readFile(join(pki, `${name}.key`), 'utf8')]);
    const text = renderKubeconfig({ cluster: 'hare-local', user: name === 'admin' ? 'hare-admin' : name, server: apiserverUrl(cfg), caPem, certPem, keyPem });
    await writeFile(kubeconfigPath(cfg, name), text, { mode: 0o600 });
  }
}
