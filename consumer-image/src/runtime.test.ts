// The runtime's drain with an injected session: a drain that begins while a session opens still drains that session.
import { describe, expect, it } from 'vitest';
import { InFlight } from './inflight.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { ConsumerRuntime } from './runtime.ts';
import type { Session } from './session.ts';

describe('ConsumerRuntime', () => {
  it('a drain asked while the session opens cancels that session and finishes its deliveries before closing it', async () => {
    const inflight = new InFlight();
    const calls: string[] = [];
    let opened!: (s: Session) => void;
    let finishDelivery!: () => void;
    const session: Session = {
      lost: new Promise<Error>(() => undefined),
      cancel: () => (calls.push('cancel'), Promise.resolve()),
      close: () => (calls.push(`close with ${inflight.size} in flight`), Promise.resolve()),
    };
    const runtime = new ConsumerRuntime({
      open: () => new Promise<Session>((resolve) => (opened = resolve)),
      inflight,
      logger: createLogger({ level: 'silent', base: {}, redact: (s) => s }),
      metrics: createMetrics({}),
      drainTimeoutMs: 5_000,
      handlerAbort: new AbortController(),
    });
    const run = runtime.run();
    const drained = runtime.drain();
    // consume-ok came with the first delivery in the same read: the session opens holding one message
    inflight.track(new Promise<void>((resolve) => (finishDelivery = resolve)));
    opened(session);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toEqual(['cancel']);
    finishDelivery();
    expect(await drained).toMatchObject({ drained: true, abandoned: 0 });
    expect(calls).toEqual(['cancel', 'close with 0 in flight']);
    await run;
  });
});
