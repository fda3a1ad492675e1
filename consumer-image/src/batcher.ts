// Batches for consumeBatch modules: collect deliveries, flush at the size or the max wait, settle each on its own.
import type { ConsumeMessage } from 'amqplib';
import type { ConsumeContext } from './api.ts';
import { runBatch } from './batch-run.ts';
import type { BatchRunDeps } from './batch-run.ts';
import type { BatchConfig } from './config.ts';
import { tooManyRedeliveries } from './handler-run.ts';
import type { Outcome } from './routing.ts';
import { createSettler, handlerDurations } from './processor.ts';
import type { Republisher, SettleChannel, SettlerDeps } from './processor.ts';

export type BatchProcessor = (deliveries: readonly ConsumeMessage[], channel: SettleChannel, publisher: Republisher, context: ConsumeContext) => Promise<void>;

/**
 * Runs the module's consumeBatch once per batch and ends each message where its outcome says, through the same
 * settle path (ack, confirmed retry or dead hand-on) as single messages. Never rejects.
 */
export function createBatchProcessor(deps: BatchRunDeps & SettlerDeps, onUnroutable: () => void = () => undefined): BatchProcessor {
  const finish = createSettler(deps, onUnroutable);
  const durations = handlerDurations(deps.metrics);
  return async (deliveries, channel, publisher, context) => {
    deps.metrics.received.inc(deliveries.length);
    const settled: Promise<void>[] = [];
    const settle = (delivery: ConsumeMessage, outcome: Outcome): void => {
      const work = finish(delivery, outcome, channel, publisher, context);
      if (work !== undefined) settled.push(work);
    };
    const handled: ConsumeMessage[] = [];
    for (const delivery of deliveries) {
      const dead = tooManyRedeliveries(delivery, deps.policy.redeliveryLimit);
      if (dead === undefined) handled.push(delivery);
      else settle(delivery, dead);
    }
    if (handled.length > 0) {
      const started = performance.now();
      const outcomes = await runBatch(deps, handled, context);
      const seconds = (performance.now() - started) / 1000;
      outcomes.forEach((outcome, i) => {
        durations[outcome.kind].observe(seconds);
        settle(handled[i]!, outcome);
      });
    }
    await Promise.all(settled);
  };
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const systemTimers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

interface Held {
  readonly deliveries: ConsumeMessage[];
  readonly done: Promise<void>;
  release: () => void;
  timer: unknown;
}

/**
 * Collects deliveries into batches: a batch runs when it has `size` messages or `maxWaitMs` after its first one.
 * A delivery handled alone (poison isolation) is a batch of one, at once. After `flushAll` (a drain) the held
 * batch runs at once and so does every later delivery; after `discard` (the session is lost) held ones never run.
 */
export class Batcher {
  readonly #config: BatchConfig;
  readonly #run: (deliveries: readonly ConsumeMessage[]) => Promise<void>;
  readonly #timers: Timers;
  #held: Held | undefined;
  #flushing = false;
  #discarded = false;

  constructor(config: BatchConfig, run: (deliveries: readonly ConsumeMessage[]) => Promise<void>, timers: Timers = systemTimers) {
    this.#config = config;
    this.#run = run;
    this.#timers = timers;
  }

  /** Resolves once the delivery's batch has run and every message of it is settled. */
  add(delivery: ConsumeMessage, alone: boolean): Promise<void> {
    if (this.#discarded) return Promise.resolve();
    if (alone) {
      this.#flush();
      return this.#run([delivery]);
    }
    const held = this.#held ?? this.#hold();
    held.deliveries.push(delivery);
    if (held.deliveries.length >= this.#config.size || this.#flushing) this.#flush();
    return held.done;
  }

  /** Drain: runs the held batch now, and every later delivery as it comes. */
  flushAll(): void {
    this.#flushing = true;
    this.#flush();
  }

  /** Session lost: the held deliveries are left to the broker to redeliver; nothing more runs. */
  discard(): void {
    this.#discarded = true;
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) return;
    this.#timers.clear(held.timer);
    held.release();
  }

  #hold(): Held {
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (release = resolve));
    const held: Held = { deliveries: [], done, release, timer: undefined };
    held.timer = this.#timers.set(() => this.#flush(), this.#config.maxWaitMs);
    this.#held = held;
    return held;
  }

  #flush(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    this.#timers.clear(held.timer);
    void this.#run(held.deliveries).then(held.release, held.release);
  }
}
