// A limit on the API requests in flight, in two lanes: the reconcile's pods and pool status go first. The
// bookkeeping (Events, the broker loops' status) has one request in flight while the first lane has any, and the
// whole limit when it has none: a burst spends the API server on pods, and the bookkeeping catches up after it.

export type Lane = 'first' | 'later';

/** Requests of the later lane in flight while the first lane has work. */
const LATER_SHARE = 1;

export class Lanes {
  private readonly limit: number;
  private readonly running: Record<Lane, number> = { first: 0, later: 0 };
  private readonly waiting: Record<Lane, (() => void)[]> = { first: [], later: [] };

  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(lane: Lane, call: () => Promise<T>): Promise<T> {
    if (this.waiting[lane].length > 0 || !this.mayStart(lane)) {
      await new Promise<void>((resolve) => this.waiting[lane].push(resolve)); // wake() counts it as running
    } else {
      this.running[lane]++;
    }
    try {
      return await call();
    } finally {
      this.running[lane]--;
      this.wake();
    }
  }

  private mayStart(lane: Lane): boolean {
    const { first, later } = this.running;
    if (first + later >= this.limit) return false;
    if (lane === 'first') return true;
    const firstBusy = first > 0 || this.waiting.first.length > 0;
    return !firstBusy || later < LATER_SHARE;
  }

  /** Starts every waiter that may start now, the first lane before the later one. */
  private wake(): void {
    for (const lane of ['first', 'later'] as const) {
      while (this.waiting[lane].length > 0 && this.mayStart(lane)) {
        this.running[lane]++;
        this.waiting[lane].shift()?.();
      }
    }
  }
}
