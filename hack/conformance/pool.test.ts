// The kit's test pool gets the same HARE_* variables as the operator's pods, so a kit run is a pod's run.
import { describe, expect, it } from 'vitest';
import { desiredPod } from '../../operator/src/resources/pod.ts';
import { makePool } from '../../operator/src/testing/fixtures.ts';
import { freshPool, poolEnv } from './pool.ts';

describe('poolEnv', () => {
  it('sets every variable the operator sets on the consumer container, and only those', () => {
    const pool = makePool({ queue: { exchange: 'shop' } });
    const operatorEnv = desiredPod(pool).pod.spec!.containers[0]!.env!.map((e) => e.name).filter((n) => n.startsWith('HARE_'));
    const kitEnv = Object.keys(poolEnv(freshPool('classic', 8080, 'abc'), 'amqp://broker', 'orders'));
    expect([...kitEnv].sort()).toEqual([...operatorEnv].sort());
  });

  it('leaves HARE_MODULE out when no module is given, as for a pool without spec.module', () => {
    expect(poolEnv(freshPool('quorum', 8080, 'abc'), 'amqp://broker', undefined)).not.toHaveProperty('HARE_MODULE');
  });

  it('names the pool after its suffix and passes the delays ascending, comma-separated', () => {
    const env = poolEnv(freshPool('quorum', 18080, 'abc'), 'amqp://broker', 'conformance');
    expect(env).toMatchObject({ HARE_QUEUE: 'conformance.abc', HARE_EXCHANGE: 'conformance.abc.in', HARE_POD_NAME: 'conformance-abc', HARE_RETRY_DELAYS_MS: '300,600', HARE_QUEUE_TYPE: 'quorum', HARE_HTTP_PORT: '18080' });
  });
});
