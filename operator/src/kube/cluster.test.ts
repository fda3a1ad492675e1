import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REASONS } from '../metadata.ts';
import { fixedCredentials } from '../testing/fakes.ts';
import { makePod, makePool } from '../testing/fixtures.ts';
import { KubeApi } from './api.ts';
import { KubeClusterWriter, type WriteHook } from './cluster.ts';
import { KubeEventRecorder } from './events.ts';

/** A cluster nothing listens on: a write that got past the gate would fail with a connection error instead. */
function nowhere(): KubeApi {
  return new KubeApi(fixedCredentials({ server: 'https://127.0.0.1:1', insecureSkipTLSVerify: true, authorization: 'Bearer t' }), { connections: 1 });
}

describe('the write gate', () => {
  const closed: WriteHook = (verb, resource) => { throw new Error(`${verb} ${resource}: not the leader`); };

  it('refuses every write of the writer before it is sent, as a rejected promise', async () => {
    const writer = new KubeClusterWriter(nowhere(), closed);
    const pool = makePool();
    // a rejection, not a synchronous throw: apply.ts starts pod creates inside Array.from and settles them together
    const create = writer.createPod(makePod({ name: 'p' }));
    await expect(create).rejects.toThrow('create pods: not the leader');
    await expect(writer.deletePod('shop', 'p', 'uid')).rejects.toThrow('delete pods: not the leader');
    await expect(writer.applyStatus(pool, {} as never)).rejects.toThrow('patch consumerpools/status: not the leader');
    await expect(writer.setReplicas(pool, 3, 'hare-autoscaler')).rejects.toThrow('patch consumerpools/scale: not the leader');
  });

  it('refuses Events too (logged, never thrown at the caller)', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => { lines.push(line); } });
    new KubeEventRecorder(nowhere(), log, 'me', closed).emit(makePool(), 'Normal', REASONS.autoscaled, 'scaled');
    await new Promise((r) => setTimeout(r, 10));
    expect(lines.some((l) => l.includes('could not record event') && l.includes('create events: not the leader'))).toBe(true);
  });
});
