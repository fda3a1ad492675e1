// Leader election on a real Lease: one writer at a time, fast hand-over on SIGTERM, within the lease on SIGKILL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, freshNamespace, kube, poolPods, waitFor, type Kube } from './support/kube.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { poolManifest } from './support/pools.ts';

let k: Kube;
let ns: string;
const ops: OperatorProcess[] = [];
const LEASE_SECONDS = 15;

const gauge = (text: string, name: string): number => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 'NaN');
const reconciles = (text: string): number =>
  [...text.matchAll(/^controller_runtime_reconcile_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
const isLeader = async (op: OperatorProcess): Promise<boolean> => gauge(await op.metrics(), 'leader_election_master_status') === 1;
const live = async (): Promise<number> => (await poolPods(k, ns, 'led')).filter((p) => !p.metadata?.deletionTimestamp).length;

async function start(): Promise<OperatorProcess> {
  const op = await startOperator(k.kubeconfig, ['--namespace', ns, '--leader-elect', '--leader-election-namespace', ns, '--lease-duration', String(LEASE_SECONDS)]);
  ops.push(op);
  return op;
}

/** Polls both replicas' leader gauge until `until` holds; fails if both ever claim to lead at once. */
async function watchLeaders(candidates: OperatorProcess[], until: (leaders: OperatorProcess[]) => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const alive = candidates.filter((op) => op.child.exitCode === null && op.child.signalCode === null);
    const leaders = (await Promise.all(alive.map(async (op) => ((await isLeader(op).catch(() => false)) ? op : undefined)))).filter((x) => x !== undefined);
    expect(leaders.length).toBeLessThanOrEqual(1);
    if (until(leaders)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`leadership did not settle within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  k = kube();
  ns = await freshNamespace(k, 'it-leader');
});
afterAll(async () => {
  await Promise.all(ops.map((op) => op.stop('SIGKILL')));
  await k.core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe('leader election', () => {
  it('lets exactly one of two replicas reconcile', async () => {
    const [a, b] = [await start(), await start()];
    await watchLeaders([a, b], (l) => l.length === 1, 20_000);
    await createPool(k, ns, poolManifest('led', { replicas: 3 }));
    await waitFor('3 pods', async () => (await live()) === 3);
    const [leader, standby] = (await isLeader(a)) ? [a, b] : [b, a];
    expect(reconciles(await leader.metrics())).toBeGreaterThan(0);
    expect(reconciles(await standby.metrics())).toBe(0);
    const lease = await k.kubectl('get', 'lease', '-n', ns, 'hare-operator-leader', '-o', 'jsonpath={.spec.holderIdentity}');
    expect(leader.logs.some((l) => l.msg === 'became leader' && l.identity === lease)).toBe(true);
    // leadership is kept by renewals: still the same leader after more than a renew deadline
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await isLeader(leader)).toBe(true);
    expect(leader.logs.filter((l) => l.msg === 'lease update failed' || l.msg === 'lost leadership: could not renew the lease in time')).toEqual([]);
  });

  it('hands over within the lease duration when the leader is killed', async () => {
    const leader = (await isLeader(ops[0]!)) ? ops[0]! : ops[1]!;
    const standby = leader === ops[0] ? ops[1]! : ops[0]!;
    await leader.stop('SIGKILL');
    const took = await watchLeaders([standby], (l) => l.length === 1, (LEASE_SECONDS + 10) * 1000);
    // The standby takes over one lease duration after it saw the last renewal, timed by its own clock as client-go
    // does: renewals come every 2 s and it sees one up to a poll (2-2.4 s) late, then it wakes when the lease runs out.
    expect(took).toBeLessThanOrEqual((LEASE_SECONDS + 3.5) * 1000);
    console.log(`hand-over after SIGKILL: ${took} ms (lease ${LEASE_SECONDS} s)`);
    await k.kubectl('scale', '-n', ns, 'cpool/led', '--replicas=5');
    await waitFor('5 pods from the new leader', async () => (await live()) === 5);
    expect(reconciles(await standby.metrics())).toBeGreaterThan(0);
  });

  it('hands over at once when the leader stops gracefully (it releases the Lease)', async () => {
    const third = await start();
    const leader = ops[1]!.child.exitCode === null ? ops[1]! : ops[0]!;
    expect(await isLeader(leader)).toBe(true);
    expect(await leader.stop('SIGTERM')).toBe(0);
    const took = await watchLeaders([third], (l) => l.length === 1, 20_000);
    expect(took).toBeLessThan(5000);
    console.log(`hand-over after SIGTERM: ${took} ms`);
  });
});
