// Leader election loop on a Lease: acquire, renew every retry period, step down when renewals miss the deadline.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease, type V1LeaseSpec } from '@kubernetes/client-node';
import { httpStatus } from '../errors.ts';
import { errorText, type Logger } from '../log.ts';
import { DEFAULT_TIMING, mayTake, nextAttemptInMs, nextSpec, observe, type ElectionTiming, type Observation } from './election.ts';

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Called once when leadership is lost; the caller must stop writing at once (main exits). */
  onStoppedLeading(): void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private observation: Observation | undefined;
  private stopped = false;
  private leading = false;
  private lastRenew = 0;
  private readonly lease: { namespace: string; name: string };
  private readonly identity: string;
  private readonly log: Logger;
  private readonly timing: ElectionTiming;

  constructor(kc: KubeConfig, lease: { namespace: string; name: string }, identity: string, log: Logger, timing = DEFAULT_TIMING) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.lease = lease;
    this.identity = identity;
    this.log = log;
    this.timing = timing;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Runs until stop(); calls back on gaining and on losing leadership. */
  async run(callbacks: LeaderCallbacks): Promise<void> {
    while (!this.stopped) {
      const ok = await this.tryAcquireOrRenew();
      const now = Date.now();
      if (ok) this.lastRenew = now;
      if (ok && !this.leading) {
        this.leading = true;
        this.log.info({ identity: this.identity, lease: this.lease.name }, 'became leader');
        callbacks.onStartedLeading();
      } else if (this.leading && now - this.lastRenew > this.timing.renewDeadlineMs) {
        this.leading = false;
        this.log.error({ identity: this.identity }, 'lost leadership: could not renew the lease in time');
        callbacks.onStoppedLeading();
        return;
      }
      const wait = nextAttemptInMs(this.observation, this.identity, this.timing, Date.now(), Math.random());
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Stops the loop and, when leading, hands the lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const current = await this.api.readNamespacedLease(this.lease);
      if (current.spec?.holderIdentity !== this.identity) return;
      current.spec = { ...current.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new V1MicroTime() };
      await this.api.replaceNamespacedLease({ ...this.lease, body: current });
    } catch (err) {
      this.log.warn({ err: errorText(err) }, 'could not release the lease');
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      let current: V1Lease | undefined;
      try {
        current = await this.api.readNamespacedLease(this.lease);
      } catch (err) {
        if (httpStatus(err) !== 404) throw err;
      }
      const now = Date.now();
      this.observation = observe(this.observation, current?.spec, now);
      if (!mayTake(this.observation, this.identity, this.timing, now)) return false;
      const spec = micro(nextSpec(current?.spec, this.identity, this.timing, new Date(now)));
      if (!current) {
        await this.api.createNamespacedLease({ namespace: this.lease.namespace, body: { metadata: { ...this.lease }, spec } });
      } else {
        await this.api.replaceNamespacedLease({ ...this.lease, body: { ...current, spec } }); // carries resourceVersion: 409 = lost race
      }
      return true;
    } catch (err) {
      if (httpStatus(err) !== 409) this.log.warn({ err: errorText(err) }, 'lease update failed');
      return false;
    }
  }
}

/** Lease times are MicroTime on the wire. */
function micro(spec: V1LeaseSpec): V1LeaseSpec {
  const m = (d: Date | undefined): V1MicroTime | undefined => (d ? new V1MicroTime(d.getTime()) : undefined);
  return { ...spec, acquireTime: m(spec.acquireTime), renewTime: m(spec.renewTime) };
}
