// The discrete-event clock: a binary min-heap of timed callbacks, ties broken by scheduling order.

interface Scheduled {
  readonly t: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class Clock {
  now = 0;
  #heap: Scheduled[] = [];
  #seq = 0;

  /** Runs fn at time t (seconds); times in the past run at the next step. */
  at(t: number, fn: () => void): void {
    const item = { t: Math.max(t, this.now), seq: this.#seq++, fn };
    const h = this.#heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  after(delay: number, fn: () => void): void {
    this.at(this.now + delay, fn);
  }

  /** Moves the clock forward to t (for arrivals fed from outside the heap). */
  advanceTo(t: number): void {
    if (t > this.now) this.now = t;
  }

  /** Time of the next event, or Infinity. */
  peek(): number {
    return this.#heap[0]?.t ?? Infinity;
  }

  /** Runs the next event; false when none is left. */
  step(): boolean {
    const h = this.#heap;
    const top = h[0];
    if (top === undefined) return false;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    this.now = top.t;
    top.fn();
    return true;
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}
