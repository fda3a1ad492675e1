// Leader election loop on a Lease: acquire, renew every retry period, stop writing the moment the renew deadline passes.
import { monotonicClock, type Clock } from '../clock.ts';
import { httpStatus } from '../errors.ts';
import { errorText, type Logger } from '../log.ts';
import { DEFAULT_TIMING, mayTake, nextAttemptInMs, nextSpec, observe, type ElectionTiming, type Observation } from './election.ts';
import type { LeaseClient } from './lease-client.ts';

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Called once when leadership is lost, after mayWrite() has turned false; the caller exits (main does). */
  onStoppedLeading(): void;
}

export interface ElectorDeps {
  client: LeaseClient;
  identity: string;
  log: Logger;
  timing?: ElectionTiming;
  /** Monotonic (default monotonicClock). */
  clock?: Clock;
  random?: () => number;
}

export class LeaderElector {
  private readonly client: LeaseClient;
  private readonly identity: string;
  private readonly log: Logger;
  private readonly timing: ElectionTiming;
  private readonly clock: Clock;
  private readonly random: () => number;
  private observation: Observation | undefined;
  private leading = false;
  private stopped = false;
  /** When the last successful acquire or renew was sent (monotonic): the lease is surely ours until this + renew deadline. */
  private renewedAt = 0;
  private deadline: unknown;
  private inFlight: AbortController | undefined;
  private wake: (() => void) | undefined;
  private callbacks: LeaderCallbacks | undefined;

  constructor(deps: ElectorDeps) {
    this.client = deps.client;
    this.identity = deps.identity;
    this.log = deps.log;
    this.timing = deps.timing ?? DEFAULT_TIMING;
    this.clock = deps.clock ?? monotonicClock;
    this.random = deps.random ?? Math.random;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * The write gate, checked before every API write: leading, and within the renew deadline by the clock (a timer
   * can fire late when the event loop is busy; this check cannot). The deadline is shorter than the lease, so a
   * standby can take over only after this has turned false.
   */
  mayWrite(): boolean {
    return this.leading && this.clock.now() - this.renewedAt < this.timing.renewDeadlineMs;
  }

  /** Runs until stop() or until leadership is lost; calls back on gaining and on losing it. */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    this.callbacks = callbacks;
    while (!this.stopped) {
      const sentAt = this.clock.now();
      const ok = await this.tryAcquireOrRenew(sentAt);
      if (this.stopped) return;
      if (this.leading && !this.mayWrite()) return this.depose('the renew deadline passed before the renewal returned');
      if (ok && this.clock.now() - sentAt < this.timing.renewDeadlineMs) {
        this.renewedAt = sentAt;
        this.armDeadline();
        if (!this.leading) {
          this.leading = true;
          this.log.info({ identity: this.identity }, 'became leader');
          callbacks.onStartedLeading();
        }
      }
      await this.sleep(nextAttemptInMs(this.observation, this.identity, this.timing, this.clock.now(), this.random()));
    }
  }

  /** Stops the loop and, when the lease is surely still ours, hands it back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.halt(new Error('stopping'));
    const budget = this.renewedAt + this.timing.renewDeadlineMs - this.clock.now();
    const wasLeading = this.leading;
    this.leading = false;
    if (!wasLeading || budget <= 0) return;
    try {
      await this.withDeadline(budget, async (signal) => {
        const current = await this.client.read(signal);
        if (!current || current.spec?.holderIdentity !== this.identity) return;
        const spec = { ...current.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new Date() };
        await this.client.replace({ ...current, spec }, signal);
      });
    } catch (err) {
      this.log.warn({ err: errorText(err) }, 'could not release the lease');
    }
  }

  /** One read and at most one write, both aborted at the renew deadline (a standby: one renew deadline from now). */
  private async tryAcquireOrRenew(sentAt: number): Promise<boolean> {
    const budget = this.leading ? this.renewedAt + this.timing.renewDeadlineMs - sentAt : this.timing.renewDeadlineMs;
    try {
      return await this.withDeadline(budget, async (signal) => {
        const current = await this.client.read(signal);
        const now = this.clock.now();
        this.observation = observe(this.observation, current?.spec, now);
        if (!mayTake(this.observation, this.identity, this.timing, now)) return false;
        const spec = nextSpec(current?.spec, this.identity, this.timing, new Date());
        if (current) await this.client.replace({ ...current, spec }, signal);
        else await this.client.create(spec, signal);
        return true;
      });
    } catch (err) {
      if (httpStatus(err) !== 409 && !this.stopped) this.log.warn({ err: errorText(err) }, 'lease update failed');
      return false;
    }
  }

  /**
   * Runs `requests` with a signal that aborts them after `ms`, or at once when the loop halts. The caller goes on at
   * the abort even if something below ignores the signal.
   */
  private async withDeadline<T>(ms: number, requests: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const timer = this.clock.setTimeout(() => controller.abort(new Error(`lease request took longer than ${Math.round(ms)} ms`)), ms);
    this.inFlight = controller;
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
    });
    const done = requests(controller.signal);
    done.catch(() => undefined); // when the abort wins, the request's own rejection comes later and is not news
    try {
      return await Promise.race([done, aborted]);
    } finally {
      this.clock.clearTimeout(timer);
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }

  /** The renew deadline on a timer of its own: a hung request cannot keep this replica leading. */
  private armDeadline(): void {
    this.clock.clearTimeout(this.deadline);
    const left = this.renewedAt + this.timing.renewDeadlineMs - this.clock.now();
    this.deadline = this.clock.setTimeout(() => this.depose('could not renew the lease in time'), Math.max(0, left));
  }

  private depose(why: string): void {
    if (!this.leading) return;
    this.leading = false; // mayWrite() is false from here on, before anything else runs
    this.halt(new Error(why));
    this.log.error({ identity: this.identity, why }, 'lost leadership: could not renew the lease in time');
    this.callbacks?.onStoppedLeading();
  }

  private halt(reason: Error): void {
    this.stopped = true;
    this.clock.clearTimeout(this.deadline);
    this.inFlight?.abort(reason);
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, ms);
      this.wake = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
    });
  }
}
