// Template changes roll pods one at a time: one surge pod, then one old pod drained, never more than replicas + 1.
import { afterAll, describe, expect, it } from 'vitest';
import { LABELS } from '../src/metadata.ts';
import { autoReady } from './support/kubelet.ts';
import { createPool, getPool, poolPods, waitFor } from './support/kube.ts';
import { poolManifest } from './support/pools.ts';
import { dumpLogsOnFailure, operatorSuite } from './support/suite.ts';
import { trackPods } from './support/tracker.ts';

const s = operatorSuite('it-rollout');
let kubelet: { stop(): void } | undefined;
afterAll(() => kubelet?.stop());

describe('rolling update', () => {
  it('replaces every pod after an image change, one surge pod at a time', async () => {
    dumpLogsOnFailure(s);
    // No kubelet runs at this tier: the test marks pods Ready itself, 300 ms after they appear.
    kubelet = autoReady(s.k, s.ns);
    await createPool(s.k, s.ns, poolManifest('roll', { replicas: 4, image: 'localhost/hare/examples:0.1.0' }));
    const first = await waitFor('4 ready pods', async () => {
      const p = await getPool(s.k, s.ns, 'roll');
      if (p.status?.readyReplicas === 4 && p.status.updatedReplicas === 4) return p.status;
      throw new Error(`status ${JSON.stringify(p.status ?? null)}, ${(await poolPods(s.k, s.ns, 'roll')).length} pods`);
    }, 60_000);
    const oldHash = (await poolPods(s.k, s.ns, 'roll'))[0]?.metadata?.labels?.[LABELS.templateHash];
    expect(first.replicas).toBe(4);

    const tracker = await trackPods(s.k.kubeconfig, s.ns);
    await s.k.kubectl('patch', '-n', s.ns, 'cpool/roll', '--type=merge', '-p', JSON.stringify({ spec: { image: 'localhost/hare/examples:0.2.0' } }));
    const done = await waitFor('all pods on the new template', async () => {
      const p = await getPool(s.k, s.ns, 'roll');
      const pods = (await poolPods(s.k, s.ns, 'roll')).filter((x) => !x.metadata?.deletionTimestamp);
      const onNew = pods.filter((x) => x.spec?.containers[0]?.image === 'localhost/hare/examples:0.2.0');
      // status.replicas too: a status written while the last old pod still lived says 4 updated of 5
      const st = p.status;
      return pods.length === 4 && onNew.length === 4 && st?.replicas === 4 && st.updatedReplicas === 4 && st.readyReplicas === 4 && p;
    }, 60_000);
    tracker.stop();

    expect(tracker.maxLive('roll')).toBe(5); // replicas + 1 surge, never more
    expect(tracker.seen('roll').size).toBe(8); // 4 old + exactly 4 new: no pod created twice
    expect((await poolPods(s.k, s.ns, 'roll')).some((p) => p.metadata?.labels?.[LABELS.templateHash] === oldHash)).toBe(false);
    expect(done.status?.observedGeneration).toBe(done.metadata.generation);
    expect(done.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'Stable' });
    const events = await s.k.core.listNamespacedEvent({ namespace: s.ns, fieldSelector: 'involvedObject.name=roll,reason=SuccessfulDelete' });
    // one old pod at a time: four Events of one pod each
    expect(events.items.map((e) => e.message)).toEqual(Array(4).fill(expect.stringMatching(/^Deleted pod roll-\w+ \(rolling update\); draining/)));
  });
});
