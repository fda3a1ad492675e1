import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inCluster, loadCredentials } from './kubeconfig.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nnot-a-real-cert\n-----END CERTIFICATE-----\n'; // only carried, never parsed here

function kubeconfigFile(user: object, cluster: object = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kc-'));
  const file = join(dir, 'config');
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(PEM).toString('base64'), ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  }));
  return file;
}

describe('loadCredentials', () => {
  it('never falls back to localhost:8080', () => {
    expect(() => loadCredentials({ inCluster: false })).toThrow(/no cluster configured/);
    expect(() => loadCredentials({ file: '/nonexistent/kubeconfig', inCluster: false })).toThrow(/does not exist/);
  });

  it('reads a kubeconfig with client-node in a child process: server, CA and the bearer token', () => {
    const creds = loadCredentials({ file: kubeconfigFile({ token: 't' }), inCluster: false }).current();
    expect(creds).toMatchObject({ server: 'https://127.0.0.1:6443', ca: PEM, authorization: 'Bearer t' });
  });

  it('runs an exec plugin (as kubectl does), and runs it again on renew()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-exec-'));
    const count = join(dir, 'count');
    writeFileSync(count, '0');
    const plugin = join(dir, 'plugin.sh');
    writeFileSync(plugin, `#!/bin/sh\nn=$(($(cat ${count}) + 1)); echo $n > ${count}\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-'$n'"}}'\n`, { mode: 0o755 });
    const source = loadCredentials({ file: kubeconfigFile({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } }), inCluster: false });
    expect(source.current().authorization).toBe('Bearer tok-1');
    expect(await Promise.all([source.renew(), source.renew()])).toEqual([true, true]); // one run, shared
    expect(source.current().authorization).toBe('Bearer tok-2');
    expect(await source.renew()).toBe(false); // at most once per 10 s: a 401 storm does not fork a plugin per request
  });

  it('says what is wrong with a kubeconfig it cannot use', () => {
    expect(() => loadCredentials({ file: kubeconfigFile({ token: 't' }, { 'proxy-url': 'http://proxy:3128' }), inCluster: false }))
      .toThrow(/proxy-url \(http:\/\/proxy:3128\) is not supported/);
  });
});

describe('inCluster', () => {
  it('reads the ServiceAccount token again once a minute, as the kubelet rotates it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(dir, 'ca.crt'), PEM);
    writeFileSync(join(dir, 'token'), 'one\n');
    let now = 0;
    const source = inCluster({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir, () => now);
    expect(source.current()).toEqual({ server: 'https://[fd00::1]:6443', ca: PEM, authorization: 'Bearer one' });
    writeFileSync(join(dir, 'token'), 'two\n');
    now = 59_000;
    expect(source.current().authorization).toBe('Bearer one');
    now = 60_000;
    expect(source.current().authorization).toBe('Bearer two');
  });

  it('refuses to guess a server without KUBERNETES_SERVICE_HOST', () => {
    expect(() => inCluster({}, '/nonexistent')).toThrow(/KUBERNETES_SERVICE_HOST is not set/);
  });
});
