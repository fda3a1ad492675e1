// Hand-on failures counted per message across its redeliveries, so a republish that keeps failing is bounded.
import { createHash } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { RETRY_HEADER } from './contract.ts';

/** Failed hand-ons of one message before it goes to the dead queue with cause `republish-failed`. */
export const HAND_ON_ATTEMPTS = 3;
const MAX_REMEMBERED = 10_000;

/**
 * A nacked message comes back as a new delivery, so it is recognised by message id, retry count and a hash
 * of its body. The key is computed only on the failure path, and for redeliveries while something is remembered.
 */
export class HandOnFailures {
  readonly #counts = new Map<string, number>();

  /** Counts one more failure of this message; returns the failures so far, this one included. */
  record(delivery: ConsumeMessage): number {
    const key = keyOf(delivery);
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.delete(key);
    this.#counts.set(key, n);
    if (this.#counts.size > MAX_REMEMBERED) this.#counts.delete(this.#counts.keys().next().value!);
    return n;
  }

  /** Forgets a message that was handed on or acked. */
  forget(delivery: ConsumeMessage): void {
    if (this.#counts.size > 0 && delivery.fields.redelivered) this.#counts.delete(keyOf(delivery));
  }
}

function keyOf(delivery: ConsumeMessage): string {
  const id = String(delivery.properties.messageId ?? '');
  const retries = String(delivery.properties.headers?.[RETRY_HEADER] ?? 0);
  return `${id}\u0000${retries}\u0000${createHash('sha1').update(delivery.content).digest('base64')}`;
}
