// The reflector's loop with a fake list, a fake Watch (that behaves like client-node's) and a fake clock.
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { capturedLog } from '../testing/log.ts';
import { Reflector, type Handlers, type Page, type ReflectorClock } from './reflector.ts';
import type { WatchClient } from './watch-once.ts';

type Obj = KubernetesObject;

class FakeClock implements ReflectorClock {
  t = 0;
  readonly sleeps: number[] = [];
  private wake: (() => void) | undefined;
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.wake = () => { this.t += ms; resolve(); };
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  /** Ends the pending sleep. */
  advance(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

interface WatchCall {
  query: Record<string, unknown>;
  aborted: boolean;
  emit(type: string, obj: unknown): void;
  end(err?: unknown): void;
}

/** Like client-node: done(err) comes before watch() resolves, and a throwing callback is ignored (as a parse error). */
class FakeWatch implements WatchClient {
  readonly calls: WatchCall[] = [];
  /** What each watch does as it starts, in order; then the default. */
  readonly script: ((call: WatchCall) => void)[] = [];
  onStart: (call: WatchCall) => void = () => undefined;
  handOut: () => Promise<void> = () => Promise.resolve();

  watch(_path: string, query: Record<string, unknown>, cb: (type: string, obj: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    const abort = new AbortController();
    let ended = false;
    const call: WatchCall = {
      query, aborted: false,
      emit: (type, obj) => { try { cb(type, obj); } catch { /* client-node swallows it */ } },
      end: (err = null) => { if (!ended) { ended = true; done(err); } },
    };
    abort.signal.addEventListener('abort', () => { call.aborted = true; call.end(new Error('aborted')); });
    this.calls.push(call);
    (this.script.shift() ?? this.onStart)(call);
    return this.handOut().then(() => abort);
  }
}

const obj = (name: string, rv: string): Obj => ({ metadata: { namespace: 'ns', name, resourceVersion: rv } });
const status = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { statusCode: code });

/** A reflector over fakes; the first `listFailures` lists are refused with 403. */
function setup(opts: { items?: Obj[]; handlers?: Partial<Handlers<Obj>>; listFailures?: number; transform?: (o: Obj) => Obj } = {}) {
  const clock = new FakeClock();
  const watch = new FakeWatch();
  const { log, lines: logs } = capturedLog();
  const seen: string[] = [];
  let lists = 0;
  const reflector = new Reflector<Obj>({
    name: 'things', path: '/api/v1/things', watch, clock, random: () => 0.5, log, transform: opts.transform,
    list: (): Promise<Page<Obj>> => {
      lists++;
      if (lists <= (opts.listFailures ?? 0)) return Promise.reject(status(403));
      return Promise.resolve({ items: structuredClone(opts.items ?? [obj('a', '5')]), metadata: { resourceVersion: `${lists * 10}` } });
    },
    handlers: {
      add: (o) => { seen.push(`add ${o.metadata?.name}`); opts.handlers?.add?.(o); },
      update: (o, old) => { seen.push(`update ${o.metadata?.name}`); opts.handlers?.update?.(o, old); },
      delete: (o) => { seen.push(`delete ${o.metadata?.name}`); opts.handlers?.delete?.(o); },
    },
  });
  return { clock, watch, logs, seen, reflector, lists: () => lists };
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Waits (in event-loop turns, not time) until the reflector has asked for `n` sleeps. */
async function sleeps(clock: FakeClock, n: number): Promise<void> {
  for (let i = 0; i < 50 && clock.sleeps.length < n; i++) await flush();
  expect(clock.sleeps).toHaveLength(n);
}

describe('Reflector backoff and contact', () => {
  it('backs off a watch refused with 401, doubling to the cap, and reports no contact after the limit', async () => {
    const { clock, watch, reflector, lists } = setup();
    watch.onStart = (c) => c.end(status(401));
    await reflector.start();
    expect(reflector.inContact(60_000)).toBe(true);
    for (let n = 1; n <= 8; n++) {
      await sleeps(clock, n);
      clock.advance();
    }
    expect(clock.sleeps).toEqual([600, 1200, 2400, 4800, 9600, 19200, 22500, 22500]);
    expect(lists()).toBe(1); // the watch is retried from the list's resourceVersion
    expect(clock.t).toBeGreaterThan(60_000);
    expect(reflector.inContact(60_000)).toBe(false);
    reflector.stop();
  });

  it('backs off a failed initial list too, and resolves start() once a list succeeds', async () => {
    const { clock, watch, reflector } = setup({ listFailures: 2 });
    let synced = false;
    void reflector.start().then(() => { synced = true; });
    await sleeps(clock, 1);
    clock.advance();
    await sleeps(clock, 2);
    expect(synced).toBe(false);
    clock.advance();
    await flush();
    expect({ synced, sleeps: clock.sleeps, watches: watch.calls.length }).toEqual({ synced: true, sleeps: [600, 1200], watches: 1 });
    reflector.stop();
  });

  it('relists after a 410 only after the backoff', async () => {
    const { clock, watch, reflector, lists } = setup();
    watch.script.push((c) => { c.emit('ERROR', { code: 410, message: 'too old resource version' }); c.end(); });
    await reflector.start();
    await sleeps(clock, 1);
    expect(lists()).toBe(1);
    clock.advance();
    await flush();
    expect(lists()).toBe(2);
    expect(watch.calls[1]?.query.resourceVersion).toBe('20');
    reflector.stop();
  });

  it('starts the count over only after watches ran healthy for resetAfterMs', async () => {
    const { clock, watch, reflector } = setup();
    const deliverThenFail = (ms: number) => (c: WatchCall): void => {
      c.emit('BOOKMARK', obj('', '99'));
      clock.t += ms;
      c.end(status(500));
    };
    watch.script.push((c) => c.end(status(500)), (c) => c.end(status(500)), deliverThenFail(5_000), deliverThenFail(130_000));
    await reflector.start();
    for (let n = 1; n <= 4; n++) {
      await sleeps(clock, n);
      clock.advance();
    }
    expect(clock.sleeps).toEqual([600, 1200, 2400, 600]);
    expect(watch.calls[3]?.query.resourceVersion).toBe('99');
    reflector.stop();
  });

  it('watches again at once after a clean end, and backs off a very short empty watch', async () => {
    const { clock, watch, reflector, seen } = setup();
    watch.script.push((c) => { c.emit('ADDED', obj('b', '11')); clock.t += 25_000; c.end(); }, (c) => c.end());
    await reflector.start();
    await sleeps(clock, 1);
    expect({ watches: watch.calls.length, sleeps: clock.sleeps, seen }).toEqual({ watches: 2, sleeps: [600], seen: ['add a', 'add b'] });
    expect(watch.calls[1]?.query.resourceVersion).toBe('11');
    expect(reflector.inContact(1)).toBe(true); // the clean end at t = 25 s
    reflector.stop();
  });

  it('counts an open watch as contact however quiet it is, and a refused one not', async () => {
    const { clock, watch, reflector } = setup();
    await reflector.start();
    await flush();
    clock.t += 60_000; // the first watch stays open without an event
    expect(reflector.inContact(10_000)).toBe(true);
    watch.onStart = (c) => c.end(status(401));
    watch.calls[0]!.end(); // the server ends it at its timeout: contact at t = 60 s
    await sleeps(clock, 1);
    expect(reflector.inContact(10_000)).toBe(true);
    clock.t += 10_000;
    expect(reflector.inContact(10_000)).toBe(false);
    reflector.stop();
  });

  it('stop() ends a backoff, and aborts a watch whose abort handle comes after the stop', async () => {
    const { clock, watch, reflector } = setup();
    watch.script.push((c) => c.end(status(503)));
    await reflector.start();
    await sleeps(clock, 1);
    const handOut = Promise.withResolvers<void>();
    watch.handOut = () => handOut.promise;
    clock.advance();
    await flush();
    expect(watch.calls).toHaveLength(2);
    reflector.stop();
    handOut.resolve();
    await flush();
    expect(watch.calls[1]?.aborted).toBe(true);
    expect(watch.calls).toHaveLength(2);
  });
});

describe('Reflector handler exceptions', () => {
  it('logs a throwing handler with the key during a list, and still delivers and stores every object', async () => {
    const items = [obj('a', '1'), obj('b', '2'), obj('c', '3')];
    const { reflector, logs, seen } = setup({ items, handlers: { add: (o) => { if (o.metadata?.name === 'b') throw new Error('index broken'); } } });
    await reflector.start();
    expect(seen).toEqual(['add a', 'add b', 'add c']);
    expect([...reflector.values()].map((o) => o.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(logs).toContainEqual(expect.objectContaining({ key: 'ns/b', event: 'add', err: 'index broken', msg: 'informer handler failed' }));
    reflector.stop();
  });

  it('logs a throwing handler with the key during a watch, and keeps the cache and later events', async () => {
    const { reflector, watch, logs, seen } = setup({ handlers: { update: (o) => { if (o.metadata?.name === 'a') throw new Error('boom'); } } });
    watch.script.push((c) => { c.emit('MODIFIED', obj('a', '7')); c.emit('ADDED', obj('z', '8')); });
    await reflector.start();
    await flush();
    expect(seen).toEqual(['add a', 'update a', 'add z']);
    expect(reflector.get('ns/a')?.metadata?.resourceVersion).toBe('7');
    expect(logs).toContainEqual(expect.objectContaining({ key: 'ns/a', event: 'update', err: 'boom', msg: 'informer handler failed' }));
    reflector.stop();
  });

  it('logs a watch event it cannot apply with the key, where client-node would drop it silently', async () => {
    const transform = (o: Obj): Obj => { if (o.metadata?.name === 'bad') throw new Error('cannot slim'); return o; };
    const { reflector, watch, logs } = setup({ transform });
    watch.script.push((c) => { c.emit('ADDED', obj('bad', '7')); c.emit('ADDED', obj('z', '8')); });
    await reflector.start();
    await flush();
    expect(reflector.get('ns/z')).toBeDefined();
    expect(logs).toContainEqual(expect.objectContaining({ key: 'ns/bad', event: 'ADDED', err: 'cannot slim', msg: 'watch event not applied' }));
    reflector.stop();
  });
});
