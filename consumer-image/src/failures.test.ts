import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { HandOnFailures } from './failures.ts';

const delivery = (body: string, redelivered: boolean, retry = 0): ConsumeMessage =>
  ({ content: Buffer.from(body), fields: { redelivered }, properties: { messageId: 'm', headers: { retry_count: retry } } }) as unknown as ConsumeMessage;

describe('HandOnFailures', () => {
  it('counts failures of the same message across redeliveries, apart from other messages, until forgotten', () => {
    const f = new HandOnFailures();
    expect(f.record(delivery('a', false))).toBe(1);
    expect(f.record(delivery('a', true))).toBe(2);
    expect(f.record(delivery('b', true))).toBe(1);
    expect(f.record(delivery('a', true, 1))).toBe(1); // a later retry is another hand-on
    f.forget(delivery('a', false)); // a first delivery cannot be remembered: nothing to forget
    expect(f.record(delivery('a', true))).toBe(3);
    f.forget(delivery('a', true));
    expect(f.record(delivery('a', true))).toBe(1);
  });
});
