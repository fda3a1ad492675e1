// Leader election on a real Lease: one writer at a time, fast hand-over on SIGTERM, within the lease on SIGKILL, and
// no write by a leader whose API server hangs once a standby has taken over.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApi, LEASE_CONNECTIONS, MAX_CONNECTIONS } from '../src/kube/api.ts';
import { loadCredentials } from '../src/kube/kubeconfig.ts';
import { KubeLeaseClient } from '../src/kube/lease-client.ts';
import { Resources } from '../src/kube/resources.ts';
import { AMQP_URI, broker, type Broker } from './support/broker.ts';
import { createPool, freshNamespace, kube, poolPods, waitFor, type Kube } from './support/kube.ts';
import { MetricsRecorder } from './support/metrics-recorder.ts';
import { startOperator, type OperatorProcess } from './support/operator-process.ts';
import { poolManifest } from './support/pools.ts';
import { stallingProxy, type StallingProxy } from './support/stall-proxy.ts';

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

describe('leader election when the API server hangs (a stalling proxy in front of the leader)', () => {
  const HANDOVERS = 20;
  // short lease timings, so 20 hand-overs take minutes: the old leader's write gate closes 1 s before its lease can run out
  const TIMING = ['--lease-duration', '4', '--renew-deadline', '3', '--retry-period', '1'];
  let stallNs: string;
  let mq: Broker;
  let recorder: MetricsRecorder;
  const queue = `stall-${randomBytes(3).toString('hex')}`;
  const replicas: Replica[] = [];

  interface Replica { name: string; op: OperatorProcess; proxy: StallingProxy; exitedAt?: number }

  async function behindProxy(name: string): Promise<Replica> {
    const proxy = await stallingProxy(k.kubeconfig);
    const op = await startOperator(proxy.kubeconfig, ['--namespace', stallNs, '--leader-elect', '--leader-election-namespace', stallNs, ...TIMING], { POD_NAME: name });
    const r: Replica = { name, op, proxy };
    op.child.once('exit', () => { r.exitedAt = Date.now(); });
    replicas.push(r);
    recorder.add(op);
    return r;
  }

  beforeAll(async () => {
    await Promise.all(ops.map((op) => op.stop('SIGKILL'))); // the suite above is done with its replicas
    stallNs = await freshNamespace(k, 'it-stall');
    mq = await broker();
    await mq.declare(queue);
    await k.core.createNamespacedSecret({ namespace: stallNs, body: { metadata: { name: 'rabbitmq' }, stringData: { uri: AMQP_URI } } });
    const m = poolManifest('hung', { replicas: 1 });
    Object.assign(m.spec as object, {
      queue: { name: queue },
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 5, messagesPerReplica: 10, pollIntervalSeconds: 1, scaleDown: { stabilizationWindowSeconds: 0 } },
    });
    await createPool(k, stallNs, m);
    recorder = new MetricsRecorder(100);
    recorder.start();
  });
  afterAll(async () => {
    recorder?.stop();
    await Promise.all(replicas.map(async (r) => { await r.op.stop('SIGKILL'); await r.proxy.close(); }));
    await mq?.remove(queue).catch(() => undefined);
    await mq?.close();
    await k.core.deleteNamespace({ name: stallNs }).catch(() => undefined);
  });

  it('gives lease requests a connection of their own, a deadline, and a fresh connection after one went dead', async () => {
    const proxy = await stallingProxy(k.kubeconfig);
    try {
      const credentials = loadCredentials({ file: proxy.kubeconfig, inCluster: false });
      const shared = new KubeApi(credentials, { connections: MAX_CONNECTIONS });
      const lease = new KubeLeaseClient(new KubeApi(credentials, { connections: LEASE_CONNECTIONS }), { namespace: stallNs, name: 'no-such-lease' });
      await new Resources(shared).listNamespacedPod(stallNs, { limit: 10 });
      expect(proxy.accepted).toBe(1);
      expect(await lease.read(AbortSignal.timeout(5000))).toBeUndefined();
      expect(proxy.accepted).toBe(2); // not multiplexed on the shared connection
      proxy.stall(); // both connections go silent for good
      const t = performance.now();
      await expect(lease.read(AbortSignal.timeout(500))).rejects.toThrow();
      const took = performance.now() - t;
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(1500);
      proxy.resume();
      // the aborted request took its dead connection with it: the next one dials afresh and is answered
      expect(await lease.read(AbortSignal.timeout(3000))).toBeUndefined();
      expect(proxy.accepted).toBe(3);
      console.log(`lease read against a stalled API server aborted after ${Math.round(took)} ms (deadline 500 ms); the next one used a new connection`);
    } finally {
      await proxy.close();
    }
  });

  it(`lets no deposed leader write after the new leader's first write, over ${HANDOVERS} stalled hand-overs`, async () => {
    await behindProxy('stall-a-0');
    await behindProxy('stall-b-0');
    const results: { handover: number; oldExit: number; firstWrite: number; oldWritesAfter: number; oldWritesStalled: number }[] = [];
    /** Both replicas as they were: exit, last log lines, stderr (for a failure's message). */
    const story = (round: number, rs: Replica[]): string => `round ${round}:\n` + rs.map((r) =>
      `${r.name} (exit ${r.op.child.exitCode ?? r.op.child.signalCode ?? 'none'}, last sample ${JSON.stringify(recorder.latest(r.op))}):\n` +
      r.op.logTail(10) + `\n  stderr: ${r.op.stderr().slice(-1500)}`).join('\n');
    for (let round = 0; round < HANDOVERS; round++) {
      const running = replicas.filter((r) => r.exitedAt === undefined);
      const told = <T>(waiting: Promise<T>): Promise<T> =>
        waiting.catch((err: unknown) => { throw new Error(`${String(err)}\n${story(round, running)}`); });
      const leader = await told(waitFor('exactly one leader', () => {
        const leading = running.filter((r) => recorder.latest(r.op)?.leader);
        return leading.length === 1 ? leading[0] : undefined;
      }, 30_000, 100));
      const standby = running.find((r) => r !== leader)!;
      await waitFor('a sample of the standby', () => recorder.latest(standby.op), 5000, 50);
      const baseline = recorder.latest(standby.op)!.writes;
      const oldAtStall = recorder.latest(leader.op)?.writes ?? 0;
      leader.proxy.stall();
      const stalledAt = Date.now();
      const took = await told(waitFor('the standby to lead', () => recorder.samples(standby.op).find((s) => s.at > stalledAt && s.leader), 20_000, 50));
      // work both could do: a backlog (or its end) that the autoscaler answers with a /scale patch
      if (round % 2 === 0) await mq.publish(queue, 40);
      else await mq.purge(queue);
      const samples = recorder.samples(standby.op);
      const first = await told(waitFor("the new leader's first write", () => {
        const i = samples.findIndex((s) => s.at > stalledAt && s.writes > baseline);
        return i > 0 ? { before: samples[i - 1]!.at, seen: samples[i]!.at } : undefined;
      }, 20_000, 50));
      await new Promise((r) => setTimeout(r, 2500)); // over two autoscaler polls: a leader that still acted would write now
      const old = recorder.samples(leader.op);
      const oldBefore = old.filter((s) => s.at <= first.before).at(-1)?.writes ?? oldAtStall;
      const oldMax = Math.max(oldBefore, ...old.filter((s) => s.at > first.before).map((s) => s.writes));
      const oldWritesAfter = oldMax - oldBefore;
      expect(oldWritesAfter, `writes by the deposed leader ${leader.name} after the new leader's first write (${story(round, [leader])})`).toBe(0);
      // and every write it issued, seen by a poll or not, came before: it had exited by then
      expect(leader.exitedAt ?? Infinity, `${leader.name} still ran at the new leader's first write (${story(round, [leader])})`).toBeLessThanOrEqual(first.before);
      expect(leader.op.logs.some((l) => l.msg === 'lost leadership: could not renew the lease in time')).toBe(true);
      results.push({
        handover: took.at - stalledAt, oldExit: leader.exitedAt! - stalledAt, firstWrite: first.seen - stalledAt,
        oldWritesAfter, oldWritesStalled: oldMax - oldAtStall,
      });
      await leader.proxy.close();
      await behindProxy(`stall-${leader.name.split('-')[1]}-${round + 1}`);
    }
    const lease = await k.kubectl('get', 'lease', '-n', stallNs, 'hare-operator-leader', '-o', 'jsonpath={.spec.leaseTransitions}');
    expect(Number(lease)).toBeGreaterThanOrEqual(HANDOVERS);
    const sorted = results.map((r) => r.handover).sort((a, b) => a - b);
    console.log(results.map((r, i) => `hand-over ${i + 1}: stall -> new leader ${r.handover} ms; old leader exited at ${r.oldExit} ms; ` +
      `new leader's first write seen at ${r.firstWrite} ms; old leader's writes after it ${r.oldWritesAfter} (while stalled ${r.oldWritesStalled})`).join('\n'));
    console.log(`stalled hand-overs: ${results.length}, writes by a deposed leader after the new leader's first write: ` +
      `${results.reduce((n, r) => n + r.oldWritesAfter, 0)}; hand-over (stall -> new leader) min ${sorted[0]} ms, ` +
      `median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms (lease 4 s, renew deadline 3 s, retry 1 s)`);
  }, 15 * 60_000);
});
