// Unit tests: certificate subjects and extensions, and a real openssl run whose output verifies against the CA.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certSpecs, extensionFile, generatePki, subject } from './certs.ts';
import { clusterConfig } from './config.ts';
import { run } from './exec.ts';

const cfg = clusterConfig({ HARE_CACHE: '/c' }, '/home/x');
const spec = (name: string) => certSpecs(cfg).find((s) => s.name === name)!;

describe('certificate specs', () => {
  it('names the kubelet as the Node authorizer expects', () => {
    expect(subject(spec('kubelet'))).toBe('/O=system:nodes/CN=system:node:hare-node');
    expect(subject(spec('admin'))).toBe('/O=system:masters/CN=hare-admin');
    expect(subject(spec('kube-proxy'))).toBe('/CN=system:kube-proxy');
  });
  it('gives the API server every name pods and host clients use', () => {
    const ext = extensionFile(spec('apiserver'));
    for (const san of ['DNS:kubernetes.default.svc', 'IP:127.0.0.1', 'IP:10.244.0.1', 'IP:10.96.0.1']) expect(ext).toContain(san);
    expect(ext).toContain('extendedKeyUsage=serverAuth');
    expect(extensionFile(spec('admin'))).not.toContain('subjectAltName');
  });
});

describe('generatePki (openssl)', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  it('writes a CA, leaf certificates that verify against it, and an SA key pair', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hare-pki-'));
    await generatePki(cfg, dir);
    for (const s of certSpecs(cfg)) {
      const out = await run('openssl', ['verify', '-CAfile', join(dir, `${s.ca ?? 'ca'}.crt`), join(dir, `${s.name}.crt`)]);
      expect(out.stdout).toContain(': OK');
    }
    const text = (await run('openssl', ['x509', '-in', join(dir, 'apiserver.crt'), '-noout', '-text'])).stdout;
    expect(text).toContain('IP Address:10.96.0.1');
    // the front proxy's client certificate is not one the cluster CA vouches for
    await expect(run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'front-proxy-client.crt')])).rejects.toThrow();
    const pub = (await run('openssl', ['pkey', '-in', join(dir, 'sa.key'), '-pubout'])).stdout;
    expect(pub).toContain('BEGIN PUBLIC KEY');
  }, 60_000);
});
