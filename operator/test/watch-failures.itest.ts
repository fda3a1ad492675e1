// Watches the real API server refuses: a 403 on every watch is retried with a doubling delay, not every second;
// a revoked token (401 on list and watch) makes the operator's /healthz fail after --stale-watch.
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { Reflector } from '../src/kube/reflector.ts';
import type { WatchClient } from '../src/kube/watch-once.ts';
import { chartIdentity, tokenKubeconfig } from './support/chart-identity.ts';
import { freshNamespace, kube, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';

let k: Kube;
let ns: string;
let op: OperatorProcess | undefined;

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'it-watchfail');
});
afterAll(async () => {
  await op?.stop('SIGTERM');
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

/** A ServiceAccount that may list pods in the namespace but not watch them. */
async function listOnlyAccount(): Promise<KubeConfig> {
  const rbac = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'list-only' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'list-only' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'list-only' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'list-only' },
      subjects: [{ kind: 'ServiceAccount', name: 'list-only', namespace: ns }],
    },
  ];
  const applied = await k.kubectlStdin(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac }), 'apply', '-n', ns, '-f', '-');
  expect(applied.stderr).toBe('');
  const kc = new KubeConfig();
  kc.loadFromFile(await tokenKubeconfig(k, ns, 'list-only'));
  return kc;
}

const health = async (o: OperatorProcess): Promise<number> => (await fetch(`http://127.0.0.1:${o.healthPort}/healthz`)).status;

describe('refused watches', () => {
  it('retries a watch the API server refuses with 403 after a doubling delay, not every second', async () => {
    const kc = await listOnlyAccount();
    const core = kc.makeApiClient(CoreV1Api);
    const real = new Watch(kc);
    const attempts: number[] = [];
    const counting: WatchClient = { watch: (...args) => { attempts.push(performance.now()); return real.watch(...args); } };
    const warnings: { err?: string; retryInMs?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { err?: string }) });
    const reflector = new Reflector<V1Pod>({
      name: 'pods', path: `/api/v1/namespaces/${ns}/pods`, watch: counting, log,
      list: (page) => core.listNamespacedPod({ namespace: ns, limit: page.limit, _continue: page.continue }),
      handlers: { add: () => undefined, update: () => undefined, delete: () => undefined },
    });
    await reflector.start(); // the list is allowed
    await new Promise((r) => setTimeout(r, 20_000));
    reflector.stop();
    const gaps = attempts.slice(1).map((t, i) => Math.round(t - attempts[i]!));
    console.info(`${attempts.length} watch attempts in 20 s, gaps ${gaps.join(', ')} ms`);
    // 800 ms doubling, times [0.5, 1): at most 6 attempts in 20 s (the old loop made one every 0.5 to 1 s: 20 or more)
    expect(attempts.length, `watch attempts at gaps ${gaps.join(', ')} ms`).toBeLessThanOrEqual(6);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]! * 0.95);
    expect(warnings.map((w) => w.err)).toEqual(expect.arrayContaining([expect.stringMatching(/Forbidden/)]));
    // the list answered at the start; no refused watch since counts as contact (it did, every second, before)
    expect(reflector.inContact(60_000)).toBe(true);
    expect(reflector.inContact(5_000)).toBe(false);
  });

  it('fails /healthz after --stale-watch once the token is revoked (401 on list and watch)', async () => {
    const identity = await chartIdentity(k, ns);
    // without leader election: a 401 on the lease would end the process; here only the caches are under test
    const args = identity.args.filter((a) => !a.startsWith('--leader-elect'));
    op = await startOperator(identity.kubeconfig, [...args, '--stale-watch', '8', '--no-autoscaler']);
    onTestFailed(() => console.error(`exit ${op?.child.exitCode}; operator log tail:\n${op?.logTail()}`));
    // quiet watches (no event for their whole 20 to 28 s) are contact: /healthz holds past one watch timeout
    for (let s = 0; s < 35; s++) {
      expect(await health(op), `/healthz ${s} s after the start`).toBe(200);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await k.kubectl('delete', 'serviceaccount', identity.serviceAccount, '-n', ns);
    const revokedAt = Date.now();
    // the open watches run to their server timeout (20 to 28 s); the next ones get 401, and 8 s later /healthz fails
    await waitFor('/healthz to fail', async () => (await health(op!)) === 503, 60_000, 500);
    const failedAfterS = (Date.now() - revokedAt) / 1000;
    const failures = op.logs.filter((l) => l.msg === 'watch failed' || l.msg === 'list failed' || l.msg === 'watch expired; relisting');
    expect(failures.map((l) => String(l.err))).toEqual(expect.arrayContaining([expect.stringMatching(/Unauthorized/)]));
    // two reflectors, each with a doubling backoff: a handful of retries, not one a second
    expect(failures.length, `failures after ${failedAfterS} s`).toBeLessThanOrEqual(14);
    expect(failedAfterS).toBeGreaterThanOrEqual(8);
    console.info(`/healthz failed ${failedAfterS} s after the revocation, after ${failures.length} logged list/watch failures`);
  });
});
