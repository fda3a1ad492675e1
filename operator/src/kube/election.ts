// Leader election decisions on a coordination.k8s.io Lease, as pure functions (client-go's rules).
import type { V1LeaseSpec } from '@kubernetes/client-node';

export interface ElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_TIMING: ElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** What this candidate last saw of the lease, timed with its own clock (clock skew between nodes never matters). */
export interface Observation {
  holder: string;
  renewTime: string;
  observedAt: number;
}

/** Updates the observation: the clock restarts only when the holder or its renew time changed. */
export function observe(previous: Observation | undefined, spec: V1LeaseSpec | undefined, now: number): Observation {
  const holder = spec?.holderIdentity ?? '';
  const t: unknown = spec?.renewTime;
  const renewTime = t instanceof Date ? t.toISOString() : typeof t === 'string' ? t : '';
  if (previous && previous.holder === holder && previous.renewTime === renewTime) return previous;
  return { holder, renewTime, observedAt: now };
}

/** May `me` write the lease now? Yes when it holds it, nobody does, or the holder stopped renewing. */
export function mayTake(obs: Observation, me: string, timing: ElectionTiming, now: number): boolean {
  if (obs.holder === '' || obs.holder === me) return true;
  return now - obs.observedAt > timing.leaseDurationMs;
}

/**
 * How long to wait before the next attempt: a retry period (a standby's a little jittered), but a standby
 * watching another holder's lease tries again right when that lease runs out, not up to a period later.
 */
export function nextAttemptInMs(obs: Observation | undefined, me: string, timing: ElectionTiming, now: number, jitter: number): number {
  const period = obs?.holder === me ? timing.retryPeriodMs : timing.retryPeriodMs * (1 + 0.2 * jitter);
  if (!obs || obs.holder === '' || obs.holder === me) return period;
  const expiresIn = obs.observedAt + timing.leaseDurationMs - now + 1; // mayTake wants strictly more than the duration
  return Math.max(0, Math.min(period, expiresIn));
}

/** Lease times arrive as strings (the client does not revive MicroTime) or Dates. */
function asDate(value: unknown, fallback: Date): Date {
  if (value instanceof Date) return value;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? fallback : new Date(ms);
}

/** The lease spec `me` writes to acquire or renew. */
export function nextSpec(current: V1LeaseSpec | undefined, me: string, timing: ElectionTiming, now: Date): V1LeaseSpec {
  const taking = current?.holderIdentity !== me;
  return {
    holderIdentity: me,
    leaseDurationSeconds: Math.ceil(timing.leaseDurationMs / 1000),
    acquireTime: taking ? now : asDate(current?.acquireTime, now),
    renewTime: now,
    leaseTransitions: (current?.leaseTransitions ?? 0) + (taking && current?.holderIdentity ? 1 : 0),
  };
}
