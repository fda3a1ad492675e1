// Cluster PKI made with openssl: the cluster CA, the front-proxy CA of the aggregation layer, EC P-256 leaf
// certificates, an RSA service-account key pair.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterConfig } from './config.ts';
import { run } from './exec.ts';

export interface CertSpec {
  /** file stem: <name>.crt / <name>.key */
  name: string;
  cn: string;
  org?: string;
  usage: 'server' | 'client' | 'both';
  sans?: string[];
  /** the CA that signs it: the cluster's (default) or the front proxy's, which aggregated API servers trust */
  ca?: 'ca' | 'front-proxy-ca';
}

export const FRONT_PROXY_CLIENT = 'front-proxy-client';

/** Every certificate the cluster needs, with the subjects the authorizers expect. */
export function certSpecs(cfg: ClusterConfig): CertSpec[] {
  const svc = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${cfg.clusterDomain}`];
  return [
    {
      name: 'apiserver',
      cn: 'kube-apiserver',
      usage: 'server',
      sans: [...svc.map((d) => `DNS:${d}`), 'DNS:localhost', 'IP:127.0.0.1', `IP:${cfg.nodeIp}`, `IP:${cfg.kubernetesServiceIp}`],
    },
    { name: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', org: 'system:masters', usage: 'client' },
    { name: 'admin', cn: 'hare-admin', org: 'system:masters', usage: 'client' },
    { name: 'controller-manager', cn: 'system:kube-controller-manager', usage: 'client' },
    { name: 'scheduler', cn: 'system:kube-scheduler', usage: 'client' },
    // the Node authorizer and NodeRestriction admission key on exactly this CN and O
    { name: 'kubelet', cn: `system:node:${cfg.nodeName}`, org: 'system:nodes', usage: 'both', sans: [`DNS:${cfg.nodeName}`, `IP:${cfg.nodeIp}`] },
    // bound by the default ClusterRoleBinding system:node-proxier
    { name: 'kube-proxy', cn: 'system:kube-proxy', usage: 'client' },
    // the API server proxies to aggregated API servers (KEDA's metrics adapter) as this name, under its own CA as
    // kubeadm does, so no client certificate of the cluster CA can assert a user through the proxy headers
    { name: 'front-proxy-client', cn: FRONT_PROXY_CLIENT, usage: 'client', ca: 'front-proxy-ca' },
  ];
}

/** The openssl x509 extension file for a leaf certificate. */
export function extensionFile(spec: CertSpec): string {
  const eku = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[spec.usage];
  const lines = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${eku}`];
  if (spec.sans && spec.sans.length > 0) lines.push(`subjectAltName=${spec.sans.join(',')}`);
  return lines.join('\n') + '\n';
}

/** The -subj argument: /O=.../CN=... (openssl escapes nothing here, so names must avoid '/'). */
export function subject(spec: CertSpec): string {
  return (spec.org ? `/O=${spec.org}` : '') + `/CN=${spec.cn}`;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Signs `spec` into <dir>/<name>.{crt,key} with the CA <dir>/<spec.ca ?? 'ca'>.{crt,key}. */
export async function signLeaf(dir: string, spec: CertSpec): Promise<void> {
  const p = (ext: string): string => join(dir, `${spec.name}.${ext}`);
  await writeFile(p('ext'), extensionFile(spec));
  await run('openssl', ['req', '-new', ...EC, '-keyout', p('key'), '-out', p('csr'), '-subj', subject(spec)]);
  const serial = '0x' + randomBytes(12).toString('hex');
  const ca = spec.ca ?? 'ca';
  await run('openssl', ['x509', '-req', '-in', p('csr'), '-CA', join(dir, `${ca}.crt`), '-CAkey', join(dir, `${ca}.key`),
    '-set_serial', serial, '-days', '3650', '-sha256', '-extfile', p('ext'), '-out', p('crt')]);
}

/** A self-signed CA: <dir>/<name>.{crt,key}. */
export const selfSigned = (dir: string, name: string, cn: string): Promise<unknown> =>
  run('openssl', ['req', '-x509', ...EC, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
    '-days', '3650', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);

/** Writes ca.{crt,key}, front-proxy-ca.{crt,key}, sa.{key,pub} and one key pair per certSpecs() entry into `dir`. */
export async function generatePki(cfg: ClusterConfig, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await Promise.all([selfSigned(dir, 'ca', 'hare-local-ca'), selfSigned(dir, 'front-proxy-ca', 'hare-front-proxy-ca')]);
  const sa = (async (): Promise<void> => {
    await run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', join(dir, 'sa.key')]);
    await run('openssl', ['pkey', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]);
  })();
  await Promise.all([sa, ...certSpecs(cfg).map((s) => signLeaf(dir, s))]);
}
