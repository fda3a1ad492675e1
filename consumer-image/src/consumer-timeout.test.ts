import { describe, expect, it } from 'vitest';
import { CONSUMER_TIMEOUT_MARGIN_MS, consumerArguments } from './consumer-timeout.ts';

describe('consumerArguments', () => {
  it('sets x-consumer-timeout to the handler timeout plus the margin on RabbitMQ 3.12 and later only', () => {
    const set = { 'x-consumer-timeout': 5000 + CONSUMER_TIMEOUT_MARGIN_MS };
    expect(consumerArguments('3.12.0', 5000)).toEqual(set);
    expect(consumerArguments('4.1.0-rc.1', 5000)).toEqual(set);
    expect(consumerArguments(Buffer.from('3.13.7'), 5000)).toEqual(set);
    expect(consumerArguments('3.10.8', 5000)).toEqual({});
    expect(consumerArguments('3.11.28', 5000)).toEqual({});
    expect(consumerArguments(undefined, 5000)).toEqual({});
    expect(consumerArguments('4.0.0', undefined)).toEqual({});
  });
});
