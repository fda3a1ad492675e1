// In-flight bookkeeping: how many deliveries are being handled, and a promise for "none left".

/** One session's share of the in-flight work. */
export interface InFlightGroup {
  /** Tracks a handling until the promise settles (it must not reject: handlings catch their own errors). */
  track(work: Promise<void>): void;
  /** The session is gone: its unfinished handlings are orphans, no longer in flight (the broker redelivers them). */
  detach(): void;
}

export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  get size(): number {
    return this.#count;
  }

  /** Tracks a handling until the promise settles (it must not reject: handlings catch their own errors). */
  track(work: Promise<void>): void {
    this.#add(1);
    const done = (): void => this.#add(-1);
    work.then(done, done);
  }

  /** A share that can be detached when its session is lost. */
  group(): InFlightGroup {
    let count = 0;
    let detached = false;
    const done = (): void => {
      if (detached) return;
      count -= 1;
      this.#add(-1);
    };
    return {
      track: (work) => {
        if (detached) return;
        count += 1;
        this.#add(1);
        work.then(done, done);
      },
      detach: () => {
        if (detached) return;
        detached = true;
        this.#add(-count);
        count = 0;
      },
    };
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #add(delta: number): void {
    if (delta === 0) return;
    this.#count += delta;
    if (this.#count === 0) this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
