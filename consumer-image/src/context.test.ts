import { describe, expect, it } from 'vitest';
import { resultKind } from './api.ts';
import { createContext, encode } from './context.ts';

describe('encode', () => {
  it('sends buffers as is, strings as text, objects as JSON', () => {
    const raw = Buffer.from([1, 2]);
    expect(encode(raw)).toEqual({ content: raw, contentType: undefined });
    expect(encode('hé')).toEqual({ content: Buffer.from('hé'), contentType: 'text/plain; charset=utf-8' });
    expect(encode({ a: 1 })).toEqual({ content: Buffer.from('{"a":1}'), contentType: 'application/json' });
  });
});

describe('createContext', () => {
  it('publishes through the given publisher, persistent, with a default content type', async () => {
    const calls: unknown[][] = [];
    const ctx = createContext(
      { queue: 'q', module: 'm', podName: 'p', pool: undefined, logger: console, signal: new AbortController().signal },
      { publish: (...args) => (calls.push(args), Promise.resolve()) },
    );
    await ctx.publish('ex', 'rk', { id: 1 }, { messageId: 'm-1' });
    await ctx.publish('', 'q2', 'hi', { persistent: false, contentType: 'text/x', mandatory: false });
    expect(calls).toEqual([
      ['ex', 'rk', Buffer.from('{"id":1}'), { messageId: 'm-1', persistent: true, mandatory: true, contentType: 'application/json' }],
      ['', 'q2', Buffer.from('hi'), { persistent: false, mandatory: false, contentType: 'text/x' }],
    ]);
    expect(resultKind(ctx.retry())).toBe('retry');
    expect(resultKind(ctx.reject('no'))).toBe('reject');
  });
});
