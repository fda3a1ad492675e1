// The runtime's life: connect and consume, reconnect with backoff and jitter after failures, drain once asked.
import { RECONNECT_BACKOFF, backoffDelay, sleep, within } from './backoff.ts';
import { closeReasonOf } from './close-reason.ts';
import type { InFlight } from './inflight.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Session } from './session.ts';
import { TopologyError } from './topology.ts';

export type RuntimeState = 'starting' | 'consuming' | 'reconnecting' | 'draining' | 'stopped';

export interface DrainResult {
  /** Every delivered message was finished and acked (or handed on) before the timeout. */
  readonly drained: boolean;
  /** Messages still being handled at the timeout, left unacked for the broker to redeliver. */
  readonly abandoned: number;
  readonly durationMs: number;
}

export interface RuntimeDeps {
  readonly open: () => Promise<Session>;
  readonly inflight: InFlight;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly drainTimeoutMs: number;
  /** Aborted when the drain times out; handed to handlers as context.signal. */
  readonly handlerAbort: AbortController;
}

const CLOSE_TIMEOUT_MS = 5_000;

export class ConsumerRuntime {
  readonly #deps: RuntimeDeps;
  #state: RuntimeState = 'starting';
  #drainStartedAt: number | undefined;
  readonly #wake = new AbortController();
  readonly #drainRequest: Promise<'drain'>;
  #requestDrain: () => void = () => undefined;
  readonly #finished: Promise<DrainResult>;
  #finish: (result: DrainResult) => void = () => undefined;

  constructor(deps: RuntimeDeps) {
    this.#deps = deps;
    this.#drainRequest = new Promise((resolve) => (this.#requestDrain = () => resolve('drain')));
    this.#finished = new Promise((resolve) => (this.#finish = resolve));
  }

  get state(): RuntimeState {
    return this.#state;
  }

  /** Ready = consuming and not draining (what /readyz reports). */
  get ready(): boolean {
    return this.#state === 'consuming';
  }

  /** Consumes until drained; resolves with the drain result. Call once. */
  async run(): Promise<DrainResult> {
    let attempt = 0;
    let session: Session | undefined;
    while (this.#drainStartedAt === undefined) {
      session = await this.#connect();
      if (session !== undefined && this.#drainStartedAt === undefined) {
        attempt = 0;
        this.#deps.metrics.connected.set(1);
        this.#setState('consuming');
        const event = await Promise.race([session.lost, this.#drainRequest]);
        if (event === 'drain') break;
        const { reason, code } = closeReasonOf(event);
        this.#deps.metrics.brokerCloses.inc({ reason });
        this.#deps.logger.warn({ err: event, closeReason: reason, closeCode: code }, 'lost the broker connection');
        this.#deps.metrics.connected.set(0);
        this.#setState('reconnecting');
        await within(session.close(), CLOSE_TIMEOUT_MS, undefined);
        session = undefined;
      }
      if (this.#drainStartedAt !== undefined) break;
      const delayMs = backoffDelay(attempt++, RECONNECT_BACKOFF);
      this.#deps.metrics.reconnects.inc();
      this.#deps.logger.info({ attempt, delayMs }, 'reconnecting after backoff');
      await sleep(delayMs, this.#wake.signal);
    }
    const result = await this.#drain(session);
    this.#finish(result);
    return result;
  }

  /** Starts the drain (idempotent) and resolves when it has finished or timed out. */
  drain(): Promise<DrainResult> {
    if (this.#drainStartedAt === undefined) {
      this.#drainStartedAt = performance.now();
      this.#setState('draining');
      this.#deps.metrics.drains.inc();
      this.#deps.logger.info({ inFlight: this.#deps.inflight.size, timeoutMs: this.#deps.drainTimeoutMs }, 'drain started');
      this.#requestDrain();
      this.#wake.abort();
    }
    return this.#finished;
  }

  /** One connection attempt; undefined (logged, counted) on failure, or when a drain began and it did not open in time. */
  async #connect(): Promise<Session | undefined> {
    const { logger, metrics } = this.#deps;
    const opening = this.#deps.open();
    try {
      const first = await Promise.race([opening, this.#drainRequest]);
      if (first !== 'drain') return first;
      // a drain began first. A session that opens anyway may hold deliveries already (they can come in the same read
      // as consume-ok), so the drain cancels it and finishes them as any other; one that opens only after the drain
      // timeout is closed then
      const late = await within(opening, this.#deps.drainTimeoutMs, undefined);
      if (late === undefined) void opening.then((s) => s.close(), () => undefined);
      return late;
    } catch (err) {
      if (err instanceof TopologyError) {
        metrics.topologyErrors.inc();
        logger.error({ err, object: err.object, argument: err.argument }, `topology refused: ${err.message}`);
      } else {
        logger.warn({ err }, 'cannot connect to the broker');
      }
      return undefined;
    }
  }

  async #drain(session: Session | undefined): Promise<DrainResult> {
    const { inflight, logger, metrics, drainTimeoutMs } = this.#deps;
    const started = this.#drainStartedAt ?? performance.now();
    const remaining = (): number => started + drainTimeoutMs - performance.now();
    if (session !== undefined) {
      const cancelled = session.cancel().catch((err: unknown) => logger.warn({ err }, 'basic.cancel failed'));
      await within(cancelled, remaining(), undefined);
    }
    const idle = await within(inflight.idle().then(() => true), remaining(), false);
    const abandoned = idle ? 0 : inflight.size;
    if (!idle) {
      this.#deps.handlerAbort.abort(new Error('drain timeout'));
      metrics.drainAbandoned.inc(abandoned);
      logger.warn({ abandoned, timeoutMs: drainTimeoutMs }, 'drain timed out; unfinished messages are left to the broker to redeliver');
    }
    if (session !== undefined) await within(session.close(), CLOSE_TIMEOUT_MS, undefined);
    metrics.connected.set(0);
    this.#setState('stopped');
    const durationMs = Math.round(performance.now() - started);
    metrics.drainDuration.observe(durationMs / 1000);
    logger.info({ drained: idle, abandoned, durationMs }, idle ? 'drained' : 'drain finished after timeout');
    return { drained: idle, abandoned, durationMs };
  }

  #setState(state: RuntimeState): void {
    this.#state = state;
    this.#deps.metrics.ready.set(state === 'consuming' ? 1 : 0);
    if (state === 'consuming') this.#deps.logger.info('consuming');
  }
}
