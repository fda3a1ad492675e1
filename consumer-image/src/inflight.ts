// In-flight bookkeeping: how many deliveries are being handled, and a promise for "none left".

export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];
  readonly #onChange: (count: number) => void;

  constructor(onChange: (count: number) => void = () => undefined) {
    this.#onChange = onChange;
  }

  get size(): number {
    return this.#count;
  }

  /** Tracks a handling until the promise settles (it must not reject: handlings catch their own errors). */
  track(work: Promise<void>): void {
    this.#count += 1;
    this.#onChange(this.#count);
    const done = (): void => {
      this.#count -= 1;
      this.#onChange(this.#count);
      if (this.#count === 0) this.#wake();
    };
    work.then(done, done);
  }

  /** Resolves when nothing is in flight. */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
