// The leader loop on a manual clock and an in-memory Lease whose network the test stalls, fails or slows.
import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TIMING } from './election.ts';
import { monotonicClock, type Clock } from '../clock.ts';
import { LeaderElector } from './leader.ts';
import type { LeaseClient } from './lease-client.ts';

const { leaseDurationMs: LEASE, renewDeadlineMs: DEADLINE, retryPeriodMs: RETRY } = DEFAULT_TIMING;
const WALL = Date.parse('2026-01-01T00:00:00Z');
const settle = async (): Promise<void> => { for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); };

/** Monotonic time that moves only when the test says so; the (faked) wall clock follows it plus a skew. */
class ManualClock implements Clock {
  t = 0;
  skew = 0;
  private serial = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.serial, { at: this.t + Math.max(0, ms), fn });
    return this.serial;
  }
  clearTimeout(timer: unknown): void { this.timers.delete(timer as number); }
  /** Moves time without running timers, as a busy event loop does. */
  pass(ms: number): void { this.t += ms; vi.setSystemTime(WALL + this.t + this.skew); }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.pass(Math.max(0, next[1].at - this.t));
      next[1].fn();
      await settle();
    }
    this.pass(end - this.t);
    await settle();
  }
}

/** The API server's copy of the Lease, with resourceVersion checks. */
class LeaseStore {
  lease: V1Lease | undefined;
  private version = 0;
  read(): V1Lease | undefined { return structuredClone(this.lease); }
  create(spec: V1LeaseSpec): void {
    if (this.lease) throw Object.assign(new Error('exists'), { code: 409 });
    this.lease = { metadata: { resourceVersion: String(++this.version) }, spec };
  }
  replace(lease: V1Lease): void {
    if (lease.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
    this.lease = { ...structuredClone(lease), metadata: { resourceVersion: String(++this.version) } };
  }
}

/** One candidate's network: a stalled one accepts requests and never answers (only the signal ends them). */
interface Net { stalled: boolean; latencyMs: number; status?: number; ignoresAbort?: boolean; signals: AbortSignal[]; reads: number[] }

function clientOn(store: LeaseStore, clock: ManualClock, net: Net): LeaseClient {
  const call = <T>(signal: AbortSignal, op: () => T, read = false): Promise<T> => new Promise((resolve, reject) => {
    if (read) net.reads.push(clock.t);
    net.signals.push(signal);
    if (!net.ignoresAbort) signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    if (net.stalled) return;
    clock.setTimeout(() => {
      if (net.stalled || (signal.aborted && !net.ignoresAbort)) return;
      if (net.status) return reject(Object.assign(new Error(`HTTP ${net.status}`), { code: net.status }));
      try { resolve(op()); } catch (err) { reject(err instanceof Error ? err : new Error(String(err))); }
    }, net.latencyMs);
  });
  return {
    read: (signal) => call(signal, () => store.read(), true),
    create: (spec, signal) => call(signal, () => store.create(spec)),
    replace: (lease, signal) => call(signal, () => store.replace(lease)),
  };
}

interface Candidate { elector: LeaderElector; net: Net; started: number[]; stopped: number[] }

let clock: ManualClock;
let store: LeaseStore;
const log = pino({ level: 'silent' });

function candidate(identity: string): Candidate {
  const net: Net = { stalled: false, latencyMs: 5, signals: [], reads: [] };
  const elector = new LeaderElector({ client: clientOn(store, clock, net), identity, log, clock, random: () => 0.5 });
  const c: Candidate = { elector, net, started: [], stopped: [] };
  void elector.run({ onStartedLeading: () => c.started.push(clock.t), onStoppedLeading: () => c.stopped.push(clock.t) });
  return c;
}

/** Advances in 10 ms steps; returns when each candidate could write, and checks that never both could. */
async function watch(cs: Candidate[], ms: number): Promise<number[][]> {
  const writable: number[][] = cs.map(() => []);
  for (let i = 0; i < ms / 10; i++) {
    await clock.advance(10);
    cs.forEach((c, n) => { if (c.elector.mayWrite()) writable[n]!.push(clock.t); });
    expect(cs.filter((c) => c.elector.mayWrite()).length).toBeLessThanOrEqual(1);
  }
  return writable;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(WALL);
  clock = new ManualClock();
  store = new LeaseStore();
});
afterEach(() => { vi.useRealTimers(); });

describe('leader loop', () => {
  it('stops writing at the renew deadline while a renewal hangs, and aborts it', async () => {
    const a = candidate('a');
    await clock.advance(50);
    expect(a.started).toEqual([10]); // read + create, 5 ms each
    await clock.advance(3 * RETRY);
    a.net.stalled = true;
    const lastRenewal = a.net.reads.at(-1)!; // an attempt starts with a read, and the deadline runs from there
    await clock.advance(lastRenewal + DEADLINE - 1 - clock.t);
    expect(a.elector.mayWrite()).toBe(true);
    const hung = a.net.signals.at(-1)!;
    expect(hung.aborted).toBe(false);
    await clock.advance(1);
    expect(a.elector.mayWrite()).toBe(false);
    expect(a.stopped).toEqual([lastRenewal + DEADLINE]);
    expect(hung.aborted).toBe(true);
    await clock.advance(LEASE);
    expect(a.stopped).toHaveLength(1);
    expect(a.net.signals.at(-1)).toBe(hung); // no request after losing
  });

  it('lets a standby write only after a stalled leader has stopped, by at least lease duration minus renew deadline', async () => {
    for (const stallAt of [1000, 2100, 3333, 4999, 7010]) {
      store = new LeaseStore();
      clock = new ManualClock();
      const a = candidate('a');
      await clock.advance(20);
      const b = candidate('b');
      await clock.advance(stallAt);
      a.net.stalled = true;
      const [wa, wb] = await watch([a, b], LEASE + 2 * RETRY + 1000);
      expect(b.started).toHaveLength(1);
      expect(wb![0]! - wa!.at(-1)!).toBeGreaterThanOrEqual(LEASE - DEADLINE);
      expect(a.stopped).toHaveLength(1);
      expect(store.lease?.spec?.holderIdentity).toBe('b');
      expect(store.lease?.spec?.leaseTransitions).toBe(1);
    }
  });

  it("aborts a standby's request after one renew deadline, and keeps trying", async () => {
    const a = candidate('a');
    await clock.advance(20);
    const b = candidate('b');
    b.net.stalled = true;
    await clock.advance(DEADLINE - 1);
    expect(b.net.signals).toHaveLength(1);
    expect(b.net.signals[0]!.aborted).toBe(false);
    await clock.advance(1);
    expect(b.net.signals[0]!.aborted).toBe(true);
    await clock.advance(RETRY * 1.1 + 1);
    expect(b.net.signals).toHaveLength(2);
    expect(a.elector.isLeader).toBe(true);
  });

  it('closes the write gate by the clock, even when the deadline timer is late (a busy event loop)', async () => {
    const a = candidate('a');
    await clock.advance(50);
    a.net.stalled = true;
    clock.pass(DEADLINE); // no timer has run yet
    expect(a.elector.mayWrite()).toBe(false);
    expect(a.stopped).toEqual([]);
    await clock.advance(0);
    expect(a.stopped).toHaveLength(1);
  });

  it('does not lead on a renewal that returns after the deadline, even from a client that ignores the abort', async () => {
    const a = candidate('a');
    await clock.advance(50);
    Object.assign(a.net, { latencyMs: DEADLINE + 500, ignoresAbort: true });
    await clock.advance(DEADLINE + RETRY);
    expect(a.stopped).toHaveLength(1);
    expect(a.elector.mayWrite()).toBe(false);
    await clock.advance(DEADLINE);
    expect(a.started).toHaveLength(1);
    expect(a.elector.isLeader).toBe(false);
  });

  it('gives up after failed renewals (HTTP 500) at the renew deadline, having retried every retry period', async () => {
    const a = candidate('a');
    await clock.advance(50);
    const before = a.net.signals.length;
    a.net.status = 500;
    await clock.advance(DEADLINE);
    expect(a.stopped).toHaveLength(1);
    // each failed attempt is a read: about deadline / retry period of them
    expect(a.net.signals.length - before).toBeGreaterThanOrEqual(DEADLINE / RETRY - 1);
  });

  it('ignores steps of the wall clock: no standby takeover, no leader stepping down', async () => {
    const a = candidate('a');
    await clock.advance(20);
    const b = candidate('b');
    await clock.advance(1000);
    clock.skew = 3_600_000; // an NTP step of one hour forward
    await watch([a, b], LEASE + RETRY);
    clock.skew = -7_200_000; // and two hours back
    const [wa, wb] = await watch([a, b], LEASE + RETRY);
    expect(wa).toHaveLength((LEASE + RETRY) / 10);
    expect(wb).toEqual([]);
    expect([a.stopped, b.started]).toEqual([[], []]);
    // and the clock the process uses by default is the monotonic one
    const before = monotonicClock.now();
    vi.setSystemTime(WALL + 3_600_000);
    expect(monotonicClock.now() - before).toBeLessThan(1000);
  });

  it('hands the lease back on stop, so a standby takes over within a retry period', async () => {
    const a = candidate('a');
    await clock.advance(20);
    const b = candidate('b');
    await clock.advance(3000);
    const stopping = a.elector.stop();
    expect(a.elector.mayWrite()).toBe(false);
    await clock.advance(20);
    await stopping;
    expect(store.lease?.spec?.holderIdentity).toBeUndefined();
    const released = clock.t;
    await clock.advance(2 * RETRY);
    expect(b.started).toHaveLength(1);
    expect(b.started[0]! - released).toBeLessThanOrEqual(1.1 * RETRY + 1000 + 20); // the 1 s lease the release leaves
  });
});
