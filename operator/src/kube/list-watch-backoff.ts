// The reflector's retry rule, client-go's in small: every failed list or watch (410 included) waits a capped,
// jittered, doubling delay; the count starts over only after watches ran healthy for a while. Pure.

export interface ListWatchBackoffOptions {
  /** First delay (client-go: 800 ms). */
  baseMs: number;
  /** Cap before jitter (client-go: 30 s). */
  maxMs: number;
  /** Watches that made real contact for this long reset the count (client-go: 2 min). */
  resetAfterMs: number;
}

export const LIST_WATCH_BACKOFF: ListWatchBackoffOptions = { baseMs: 800, maxMs: 30_000, resetAfterMs: 120_000 };

export class ListWatchBackoff {
  private failures = 0;
  /** Start of the current run of watches that made real contact, since the last failure. */
  private healthySince: number | undefined;
  private readonly options: ListWatchBackoffOptions;

  constructor(options: ListWatchBackoffOptions = LIST_WATCH_BACKOFF) {
    this.options = options;
  }

  /** A watch that started at `startedAt` delivered an event or ended cleanly: it counts towards a reset. */
  healthy(startedAt: number): void {
    this.healthySince ??= startedAt;
  }

  /**
   * A list or watch failed at `now`: the delay before the next attempt, base * 2^n capped at max, times a
   * uniform factor in [0.5, 1). The count starts over when the watches before it ran healthy for resetAfterMs.
   */
  failed(now: number, random: () => number): number {
    const { baseMs, maxMs, resetAfterMs } = this.options;
    if (this.healthySince !== undefined && now - this.healthySince >= resetAfterMs) this.failures = 0;
    this.healthySince = undefined;
    const exp = Math.min(maxMs, baseMs * 2 ** this.failures);
    this.failures++;
    return Math.round(exp * (0.5 + 0.5 * random()));
  }

  /** Failures since the count last started over (for logs). */
  get attempts(): number {
    return this.failures;
  }
}
