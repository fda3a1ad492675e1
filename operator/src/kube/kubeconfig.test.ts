import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadKubeConfig, ownConnections } from './kubeconfig.ts';

const CA = 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJ-not-a-real-cert'; // only passed to the TLS options, never used
function kubeconfigFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  const file = join(dir, 'config');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': CA } }],
    users: [{ name: 'u', user: { token: 't' } }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  }));
  return file;
}

describe('loadKubeConfig', () => {
  it('never falls back to localhost:8080', () => {
    expect(() => loadKubeConfig({ inCluster: false })).toThrow(/no cluster configured/);
    expect(() => loadKubeConfig({ file: '/nonexistent/kubeconfig', inCluster: false })).toThrow(/does not exist/);
  });

  it('gives every request the same HTTP dispatcher, so connections are reused', async () => {
    const kc = loadKubeConfig({ file: kubeconfigFile(), inCluster: false });
    const a = new RequestContext('https://127.0.0.1:6443/api', 'GET');
    const b = new RequestContext('https://127.0.0.1:6443/api', 'GET');
    await kc.applySecurityAuthentication(a);
    await kc.applySecurityAuthentication(b);
    expect(a.getDispatcher()).toBeDefined();
    expect(b.getDispatcher()).toBe(a.getDispatcher());
    expect(b.getHeaders().Authorization).toBe('Bearer t');
  });

  it('gives concurrent first requests one dispatcher too (a burst at start-up must not open a pool per request)', async () => {
    const kc = loadKubeConfig({ file: kubeconfigFile(), inCluster: false });
    const burst = Array.from({ length: 8 }, () => new RequestContext('https://127.0.0.1:6443/api', 'GET'));
    await Promise.all(burst.map((c) => kc.applySecurityAuthentication(c)));
    expect(new Set(burst.map((c) => c.getDispatcher())).size).toBe(1);
  });

  it('gives lease traffic a dispatcher of its own, with the same credentials', async () => {
    const kc = loadKubeConfig({ file: kubeconfigFile(), inCluster: false });
    const lease = ownConnections(kc);
    const [a, b] = [new RequestContext('https://127.0.0.1:6443/api', 'GET'), new RequestContext('https://127.0.0.1:6443/api', 'GET')];
    await kc.applySecurityAuthentication(a);
    await lease.applySecurityAuthentication(b);
    expect(b.getDispatcher()).toBeDefined();
    expect(b.getDispatcher()).not.toBe(a.getDispatcher());
    expect(b.getHeaders().Authorization).toBe('Bearer t');
  });

  it('works around the client, which builds a new dispatcher per request (fails once upstream caches it)', async () => {
    const plain = new KubeConfig();
    plain.loadFromFile(kubeconfigFile());
    const a = new RequestContext('https://127.0.0.1:6443/api', 'GET');
    const b = new RequestContext('https://127.0.0.1:6443/api', 'GET');
    await plain.applySecurityAuthentication(a);
    await plain.applySecurityAuthentication(b);
    expect(b.getDispatcher()).not.toBe(a.getDispatcher());
  });
});
