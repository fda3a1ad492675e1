// Benchmark measurement window, shared by both contenders: wall and CPU time (user + system) from the end of the
// warm-up to the last message; with HARE_BENCH_PROFILE=<file>, also a CPU profile of exactly that window.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { Profiler } from 'node:inspector';

/** Sampling interval of the profile (V8's default of 1 ms gives too few samples for 20 000 messages). */
const PROFILE_INTERVAL_US = 100;

export interface WindowResult {
  readonly count: number;
  readonly ms: number;
  readonly cpuUs: number;
}

export class MeasurementWindow {
  readonly #warmup: number;
  readonly #total: number;
  readonly #profilePath: string | undefined;
  #count = 0;
  #startedMs = 0;
  #cpu: NodeJS.CpuUsage | undefined;
  #session: Session | undefined;

  constructor(warmup: number, total: number, profilePath = process.env.HARE_BENCH_PROFILE) {
    this.#warmup = warmup;
    this.#total = total;
    this.#profilePath = profilePath || undefined;
  }

  /** Counts one message; returns the window's figures once, at the total-th message. */
  tick(): WindowResult | undefined {
    if (this.#count === this.#warmup) this.#open();
    this.#count += 1;
    if (this.#count !== this.#total) return undefined;
    const used = process.cpuUsage(this.#cpu);
    const result = { count: this.#count, ms: performance.now() - this.#startedMs, cpuUs: used.user + used.system };
    this.#closeProfile();
    return result;
  }

  #open(): void {
    if (this.#profilePath !== undefined) {
      const session = (this.#session = new Session());
      session.connect();
      // a session on the main thread answers synchronously: the profile starts here, not a tick later
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
      session.post('Profiler.start');
    }
    this.#startedMs = performance.now();
    this.#cpu = process.cpuUsage();
  }

  #closeProfile(): void {
    const session = this.#session;
    const path = this.#profilePath;
    if (session === undefined || path === undefined) return;
    session.post('Profiler.stop', (err, result: Profiler.StopReturnType) => {
      if (err !== null) throw err;
      writeFileSync(path, JSON.stringify(result.profile));
    });
    session.disconnect();
  }
}
