// Create/delete expectations per pool (the ReplicaSet controller's idea): no new plan while the cache lags.

/** After this long, unmet expectations are dropped (a watch event was lost; the resync heals it). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Record_ {
  add: number;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record_>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Call before issuing creates and deletes for a pool. */
  expect(key: string, creates: number, deletes: readonly string[]): void {
    this.records.set(key, { add: creates, deletes: new Set(deletes), at: this.now() });
  }

  /** A pod of the pool appeared in the cache (or its create failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add -= 1;
  }

  /** A pod of the pool got a deletion timestamp or vanished (or its delete failed). */
  deletionObserved(key: string, podName: string): void {
    this.records.get(key)?.deletes.delete(podName);
  }

  /** True when the cache reflects every write we made, or the wait has timed out. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    return (r.add <= 0 && r.deletes.size === 0) || this.now() - r.at > EXPECTATIONS_TIMEOUT_MS;
  }

  /** How long the pool's writes have waited to be seen (ms), or undefined when the cache reflects them. */
  unmetFor(key: string): number | undefined {
    return this.satisfied(key) ? undefined : this.now() - (this.records.get(key)?.at ?? this.now());
  }

  /** Forget a pool (deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }
}
