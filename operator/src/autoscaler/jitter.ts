// Poll timing helpers for the caller's timers: jittered intervals, a spread-out first poll, reconnect backoff. Pure.

/** A source of uniform numbers in [0, 1), e.g. Math.random or a seeded generator in tests. */
export type Random = () => number;

/**
 * The delay before the next poll: pollIntervalSeconds scaled by a factor drawn uniformly from
 * [1 - spread, 1 + spread), so pools created together drift apart instead of polling in lockstep.
 */
export function jitteredIntervalMs(pollIntervalSeconds: number, random: Random, spread = 0.1): number {
  const base = pollIntervalSeconds * 1000;
  return Math.round(base * (1 - spread + 2 * spread * random()));
}

/**
 * The period of a pool's polls after the first: pollIntervalSeconds shortened by a factor drawn uniformly from
 * (1 - spread, 1], so pools drift apart and a backlog is still seen within one interval (jitter never lengthens it).
 */
export function shortenedIntervalMs(pollIntervalSeconds: number, random: Random, spread = 0.1): number {
  return Math.round(pollIntervalSeconds * 1000 * (1 - spread * random()));
}

/** The delay before a pool's first poll: uniform in [0, interval), spreading many pools over one interval. */
export function firstPollDelayMs(pollIntervalSeconds: number, random: Random): number {
  return Math.floor(pollIntervalSeconds * 1000 * random());
}

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Capped exponential backoff with jitter for attempt 1, 2, 3...: base * 2^(attempt-1), capped at max, then
 * a uniform factor in [0.5, 1) ("equal jitter"), so reconnecting clients do not stampede a recovering broker.
 */
export function backoffMs(attempt: number, random: Random, options: BackoffOptions = { baseMs: 1000, maxMs: 30_000 }): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + 0.5 * random()));
}
