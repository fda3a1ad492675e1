// The whole promise on real parts, as a user lives it: helm install, kubectl apply, pods that really run,
// autoscaling by CR edits, drains that lose and repeat nothing, rollouts, deletes, helm uninstall.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { load as parseYaml } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Load } from './support/load.ts';
import { poolState, resetMaxLive, scaleDownEvents, type PoolState } from './support/pool-state.ts';
import { scaleDownCycles } from './support/scale-cycles.ts';
import { dumpOnFailure as dumpSuite } from './support/dump.ts';
import { endSuite, installOperator, OPERATOR_NS, startSuite, type Suite } from './support/suite.ts';
import { buildImage, REPO, waitFor, type Tools } from './support/tools.ts';

const NS = 'e2e';
let suite: Suite;
let t: Tools;
let load: Load;
const pool = (name = 'orders'): Promise<PoolState> => poolState(t, NS, name);
const dumpOnFailure = (): void => dumpSuite(suite);

/** examples/pool.yaml as an object, renamed: the base of the suite's other pools. */
function examplePool(name: string): { metadata: { name: string }; spec: Record<string, unknown> } {
  const pool = parseYaml(readFileSync(join(REPO, 'examples/pool.yaml'), 'utf8')) as { metadata: { name: string }; spec: Record<string, unknown> };
  pool.metadata.name = name;
  return pool;
}

beforeAll(async () => {
  suite = await startSuite({ namespace: NS, images: ['operator', 'consumer', 'examples'] });
  t = suite.t;
  load = new Load(suite.cluster.hostBrokerUri, 'orders');
  await load.open();
});

afterAll(async () => {
  await load?.close();
  await endSuite(suite);
});

describe('hare-operator end to end', () => {
  it('installs the operator with helm: two replicas, one leader', async () => {
    dumpOnFailure();
    await installOperator(t);
    const ready = await t.kubectl('get', 'deploy', '-n', OPERATOR_NS, 'hare-operator', '-o', 'jsonpath={.status.readyReplicas}');
    expect(ready).toBe('2');
    const holder = await waitFor('a leader', async () => (await t.kubectl('get', 'lease', '-n', OPERATOR_NS, 'hare-operator-leader', '-o', 'jsonpath={.spec.holderIdentity}')) || undefined, 60_000);
    expect(holder).toMatch(/^hare-operator-/);
  });

  it('runs examples/pool.yaml: the pod becomes Ready and consumes, also from an independent publisher', async () => {
    dumpOnFailure();
    await t.kubectl('apply', '-n', NS, '-f', join(REPO, 'examples/pool.yaml'));
    await waitFor('1 ready pod', async () => (await pool()).readyReplicas === 1, 180_000);
    // amqp-publish (Debian's amqp-tools) is a client not written here
    execFileSync('amqp-publish', ['--url', suite.cluster.hostBrokerUri.replace(/\/$/, ''), '-r', 'orders', '-C', 'application/json', '-b', JSON.stringify({ id: 'amqp-publish-1' })]);
    load.published.add('amqp-publish-1');
    await load.publish(20, 0);
    await waitFor('21 records', () => load.tally().recorded === 21, 60_000);
    expect(load.tally()).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
  });

  it('declares the topology of a pool at zero replicas before any pod; a backlog published at once scales it from zero, each message once', async () => {
    dumpOnFailure();
    const fresh = new Load(suite.cluster.hostBrokerUri, 'fresh');
    await fresh.open(); // removes what an earlier run left: the queue does not exist
    try {
      const manifest = examplePool('fresh');
      manifest.spec.replicas = 0;
      manifest.spec.queue = { name: 'fresh', prefetch: 10 };
      manifest.spec.autoscaling = { enabled: true, minReplicas: 0, maxReplicas: 3, messagesPerReplica: 50, scaleDown: { stabilizationWindowSeconds: 10 } };
      await t.kubectlStdin(JSON.stringify(manifest), 'apply', '-n', NS, '-f', '-');
      const topology = (): Promise<string> => t.kubectl('get', 'cpool', '-n', NS, 'fresh', '-o', 'jsonpath={.status.conditions[?(@.type=="TopologyReady")].status}');
      await waitFor('TopologyReady=True', async () => (await topology()) === 'True', 60_000);
      expect((await pool('fresh')).liveReplicas).toBe(0);
      await fresh.publish(100, 50); // checks the queue exists first: nothing is published unroutable
      await waitFor('100 records', () => fresh.tally().recorded >= 100, 240_000, 1000);
      expect(fresh.tally()).toMatchObject({ published: 100, recorded: 100, duplicates: [], missing: [] });
      expect((await pool('fresh')).lastScaledBy).toBe('hare-autoscaler');
      await t.kubectl('delete', '-n', NS, 'cpool/fresh', '--wait=true', '--timeout=180s');
    } finally {
      await fresh.close();
    }
  });

  it('scales up on a backlog through the autoscaler, and the new pods become Ready', async () => {
    dumpOnFailure();
    // a manual CR edit: a shorter scale-down window for the test
    await t.kubectl('patch', '-n', NS, 'cpool/orders', '--type=merge', '-p', JSON.stringify({ spec: { autoscaling: { scaleDown: { stabilizationWindowSeconds: 10 } } } }));
    await load.publish(400, 300);
    const up = await waitFor('spec.replicas >= 5', async () => { const p = await pool(); return p.replicas >= 5 && p; }, 30_000, 250);
    expect(up.lastScaledBy).toBe('hare-autoscaler');
    await waitFor('all wanted pods ready', async () => { const p = await pool(); return p.replicas >= 5 && p.readyReplicas === p.replicas; }, 180_000);
  });

  it('drains pods through preStop while they are mid-message when the backlog is gone: nothing lost, nothing twice', async () => {
    dumpOnFailure();
    // keeps pods busy while they are removed, and fits in one pod: the busy floor counts the pods' own in-flight
    // messages, and 15/s held 15 in flight on this loaded machine (about 1 s each), which rightly kept 2 pods
    const trickle = load.trickle(6, 300);
    await waitFor('scaled back to 1', async () => { const p = await pool(); return p.replicas === 1 && p.liveReplicas === 1 && p.drainingReplicas === 0; }, 300_000, 1000);
    await trickle.stop();
    await waitFor('every message recorded', () => load.tally().missing.length === 0, 120_000);
    const tally = load.tally();
    console.log(`[e2e] autoscaler scale-down: ${JSON.stringify({ ...tally, missing: tally.missing.length, scaleDowns: await scaleDownEvents(t, NS, 'orders') })}`);
    expect(tally).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
  });

  it('survives 50+ scale-down events under load with kubectl scale and CR edits: exactly once', async () => {
    dumpOnFailure();
    await t.kubectl('patch', '-n', NS, 'cpool/orders', '--type=merge', '-p', JSON.stringify({ spec: { autoscaling: { paused: true } } }));
    const trickle = load.trickle(30, 200);
    const events = await scaleDownCycles(t, NS, 'orders', { high: 8, events: 50 });
    await trickle.stop();
    await waitFor('every message recorded', () => load.tally().missing.length === 0, 120_000);
    const tally = load.tally();
    console.log(`[e2e] drain check: ${events} scale-down events, ${tally.published} published, ${tally.recorded} recorded, ${tally.duplicates.length} processed twice, ${tally.redelivered} redelivered`);
    expect(events).toBeGreaterThanOrEqual(50);
    expect(tally).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
  });

  it('rolls pods to a new image one at a time, draining the old ones', async () => {
    dumpOnFailure();
    await t.kubectl('scale', '-n', NS, 'cpool/orders', '--replicas=3');
    await waitFor('3 ready', async () => (await pool()).readyReplicas === 3, 180_000);
    const next = await buildImage('examples', '0.1.1');
    await suite.cluster.loadImages([next.archive]);
    resetMaxLive(NS, 'orders');
    const trickle = load.trickle(20, 200);
    await t.kubectl('patch', '-n', NS, 'cpool/orders', '--type=merge', '-p', JSON.stringify({ spec: { image: next.image } }));
    // polled every 250 ms for the live-pod bound; the integration tier checks it on every watch event
    await waitFor('all pods on the new image and ready', async () => {
      const p = await pool();
      return p.images.length === 3 && p.images.every((i) => i === next.image) && p.readyReplicas === 3 && p.drainingReplicas === 0;
    }, 300_000);
    await trickle.stop();
    await waitFor('every message recorded', () => load.tally().missing.length === 0, 120_000);
    expect(load.tally()).toMatchObject({ duplicates: [], redelivered: 0, missing: [] });
    expect((await pool()).maxLiveSeen).toBeLessThanOrEqual(4);
  });

  it('deleting the pool drains and removes every pod; what was not consumed stays queued', async () => {
    dumpOnFailure();
    const trickle = load.trickle(20, 200);
    await new Promise((r) => setTimeout(r, 3000));
    await trickle.stop();
    await t.kubectl('delete', '-n', NS, 'cpool/orders', '--wait=true', '--timeout=180s');
    await waitFor('no pods left', async () => (await t.kubectl('get', 'pods', '-n', NS, '-l', 'hare.dev/pool=orders', '-o', 'name')).trim() === '', 180_000);
    await new Promise((r) => setTimeout(r, 2000));
    const tally = load.tally();
    const queued = await load.readyCount();
    expect(tally.duplicates).toEqual([]);
    expect(tally.redelivered).toBe(0);
    expect(tally.recorded + queued).toBe(tally.published); // every message processed once or still queued
  });

  it('control run: without a drain (grace period 1 s) pods die mid-message and the broker redelivers', async () => {
    dumpOnFailure();
    const control = examplePool('control');
    const ctl = new Load(suite.cluster.hostBrokerUri, 'control');
    await ctl.open();
    try {
      control.spec.queue = { name: 'control', prefetch: 10 };
      control.spec.replicas = 3;
      control.spec.autoscaling = { enabled: false };
      await t.kubectlStdin(JSON.stringify(control), 'apply', '-n', NS, '-f', '-');
      await waitFor('3 ready control pods', async () => (await pool('control')).readyReplicas === 3, 180_000);
      const trickle = ctl.trickle(10, 8000); // 8 s of work per message: far longer than a 1 s grace period
      for (let round = 0; round < 3; round++) {
        await new Promise((r) => setTimeout(r, 4000));
        // what a scale-in without a drain does: delete with a 1 s grace period (a pod of the last round may be
        // listed as Running still, and gone by the time of the delete)
        const pods = (await t.kubectl('get', 'pods', '-n', NS, '-l', 'hare.dev/pool=control', '--field-selector=status.phase=Running', '-o', 'name')).trim().split('\n');
        await t.kubectl('delete', '-n', NS, '--grace-period=1', '--wait=false', '--ignore-not-found', ...pods.slice(0, 2));
      }
      await trickle.stop();
      await waitFor('every control message recorded', () => ctl.tally().missing.length === 0, 180_000);
      const tally = ctl.tally();
      console.log(`[e2e] control run (no drain): ${tally.published} published, ${tally.recorded} records, ${tally.redelivered} redelivered, ${tally.duplicates.length} processed twice`);
      expect(tally.redelivered).toBeGreaterThan(0);
      await t.kubectl('delete', '-n', NS, 'cpool/control', '--wait=true');
    } finally {
      await ctl.close();
    }
  });

  it('helm uninstall leaves no operator objects', async () => {
    dumpOnFailure();
    await t.helm('uninstall', 'hare-operator', '-n', OPERATOR_NS, '--wait', '--timeout', '3m');
    const left = (): Promise<string> =>
      t.kubectl('get', 'all,serviceaccount,role,rolebinding,lease,poddisruptionbudget', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/instance=hare-operator', '-o', 'name');
    await waitFor('the operator pods to terminate', async () => (await left()).trim() === '', 90_000);
    const cluster = await t.kubectl('get', 'clusterrole,clusterrolebinding', '-l', 'app.kubernetes.io/instance=hare-operator', '-o', 'name');
    expect(cluster.trim()).toBe('');
    expect((await t.kubectl('get', 'lease', '-n', OPERATOR_NS, '-o', 'name')).trim()).toBe('');
  });
});
