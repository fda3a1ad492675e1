// Reads each ready pod's own in-flight count from its http port (GET /metrics on the pod IP), bounded in time,
// in size and, across every pool of the operator, in concurrency. I/O only; pod-depth.ts combines the answers.
import { ACKED_METRIC, HTTP_PORT, IN_FLIGHT_METRIC, PATHS } from '../../../consumer-image/src/contract.ts';
import { boundedText, type Fetch } from './bounded-fetch.ts';
import { DepthReadError, messageOf } from './read-error.ts';
import { sumOf } from './prometheus-text.ts';

/** A pod to ask: its name and the IP its http port listens on (none before the kubelet assigns one). */
export interface PodTarget {
  readonly name: string;
  readonly ip: string | undefined;
}

/**
 * What one pod said: its in-flight count and its settled-messages counter (when it exposes one), or why it said
 * nothing usable (it then counts as busy).
 */
export type PodSignal = { readonly name: string; readonly inFlight: number; readonly acked?: number } | { readonly name: string; readonly silent: string };

export interface PodSignalOptions {
  /** Bound on one pod's request, connect to last byte. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** Requests in flight at once, across every pool. Default 8. */
  readonly concurrency?: number;
  /** Largest answer read; a bigger one is cut off and the pod counts as silent. Default 256 KiB (the runtime's is ~6 KiB). */
  readonly maxBytes?: number;
  /** The pods' http port. Default the runtime's (8080, contract.ts). */
  readonly port?: number;
  readonly fetch?: Fetch;
}

/** One per operator: its concurrency bound is shared by every pool. read() never rejects. */
export class PodSignals {
  readonly #o: Required<PodSignalOptions>;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: PodSignalOptions = {}) {
    this.#o = {
      timeoutMs: options.timeoutMs ?? 1000,
      concurrency: options.concurrency ?? 8,
      maxBytes: options.maxBytes ?? 256 * 1024,
      port: options.port ?? HTTP_PORT,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    };
  }

  /**
   * Asks every target. A pod still waiting for a free slot when twice the timeout has passed is not asked
   * (silent), so a read of one pool takes at most about 2 x timeoutMs however many pods are silent.
   */
  async read(targets: readonly PodTarget[]): Promise<PodSignal[]> {
    const deadline = AbortSignal.timeout(2 * this.#o.timeoutMs);
    return Promise.all(targets.map((t) => this.#one(t, deadline)));
  }

  async #one(target: PodTarget, deadline: AbortSignal): Promise<PodSignal> {
    const { name, ip } = target;
    if (ip === undefined) return { name, silent: 'no pod IP' };
    if (!(await this.#slot(deadline))) return { name, silent: 'not asked: too many pods waiting for an answer' };
    try {
      const signal = AbortSignal.any([deadline, AbortSignal.timeout(this.#o.timeoutMs)]);
      const url = `http://${ip.includes(':') ? `[${ip}]` : ip}:${this.#o.port}${PATHS.metrics}`;
      const text = await boundedText(this.#o.fetch, url, { signal, maxBytes: this.#o.maxBytes, headers: { accept: 'text/plain' } });
      const inFlight = sumOf(text, IN_FLIGHT_METRIC);
      if (inFlight === undefined || inFlight < 0) return { name, silent: `no ${IN_FLIGHT_METRIC} in its /metrics` };
      const acked = sumOf(text, ACKED_METRIC);
      return acked === undefined || acked < 0 ? { name, inFlight } : { name, inFlight, acked };
    } catch (err) {
      return { name, silent: err instanceof DepthReadError ? err.message : messageOf(err) };
    } finally {
      this.#release();
    }
  }

  /** Waits for a free request slot; false when the deadline passes first. */
  async #slot(deadline: AbortSignal): Promise<boolean> {
    if (this.#running < this.#o.concurrency) {
      this.#running++;
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const wake = (): void => {
        deadline.removeEventListener('abort', giveUp);
        resolve(true); // the slot is handed over: #running stays as it is
      };
      const giveUp = (): void => {
        const i = this.#waiting.indexOf(wake);
        if (i >= 0) this.#waiting.splice(i, 1);
        resolve(false);
      };
      if (deadline.aborted) return giveUp();
      deadline.addEventListener('abort', giveUp, { once: true });
      this.#waiting.push(wake);
    });
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next();
  }
}
