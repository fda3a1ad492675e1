import { describe, expect, it } from 'vitest';
import { makePod, makePool } from '../testing/fixtures.ts';
import { PodIndex } from './podindex.ts';

const owned = (name: string, uid = 'uid-orders') => {
  const pod = makePod({ name });
  pod.metadata!.ownerReferences = [{ apiVersion: 'hare.dev/v1alpha1', kind: 'ConsumerPool', name: 'orders', uid, controller: true }];
  return pod;
};

describe('PodIndex', () => {
  it('finds the pods a pool controls, and only those', () => {
    const index = new PodIndex();
    index.add(owned('a'));
    index.add(owned('b'));
    index.add(owned('stale', 'uid-of-a-deleted-pool'));
    index.add(makePod({ name: 'orphan' }));
    expect(index.podsOf(makePool()).map((p) => p.metadata?.name).sort()).toEqual(['a', 'b']);
  });

  it('follows updates and deletes', () => {
    const index = new PodIndex();
    const a = owned('a');
    index.add(a);
    const a2 = owned('a');
    a2.metadata!.deletionTimestamp = new Date();
    index.update(a2, a);
    expect(index.podsOf(makePool())[0]?.metadata?.deletionTimestamp).toBeDefined();
    index.delete(a2);
    expect(index.podsOf(makePool())).toEqual([]);
  });
});
