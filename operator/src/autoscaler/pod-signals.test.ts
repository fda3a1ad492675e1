// The pods' signal reader against a fake fetch: what it asks, and its bounds in size, time and concurrency.
import { describe, expect, it } from 'vitest';
import type { Fetch } from './bounded-fetch.ts';
import { PodSignals } from './pod-signals.ts';

const body = (text: string): ReadableStream<Uint8Array> => new Response(text).body!;
const answer = (text: string, status = 200): Awaited<ReturnType<Fetch>> => ({ ok: status < 300, status, body: body(text) });
const gauge = (n: number): string => `# TYPE hare_consumer_messages_in_flight gauge\nhare_consumer_messages_in_flight{pool="orders"} ${n}\n`;

/** Never answers; rejects when its signal fires, as fetch does. */
const hang: Fetch = (_url, { signal }) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));

describe('PodSignals', () => {
  it('reads the in-flight gauge from each pod IP on the runtime port (IPv6 in brackets)', async () => {
    const urls: string[] = [];
    const fetch: Fetch = (url) => {
      urls.push(url);
      return Promise.resolve(answer(gauge(url.includes('10.0.0.1') ? 2 : 0)));
    };
    const signals = await new PodSignals({ fetch }).read([{ name: 'a', ip: '10.0.0.1' }, { name: 'b', ip: 'fd00::2' }]);
    expect(signals).toEqual([{ name: 'a', inFlight: 2 }, { name: 'b', inFlight: 0 }]);
    expect(urls).toEqual(['http://10.0.0.1:8080/metrics', 'http://[fd00::2]:8080/metrics']);
  });

  it('counts a pod as silent for an HTTP error, an answer without the gauge, no IP, or a refused connection', async () => {
    const fetch: Fetch = (url) => {
      if (url.includes('.1:')) return Promise.resolve(answer('oops', 500));
      if (url.includes('.2:')) return Promise.resolve(answer('other_metric 1\n'));
      return Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.0.0.3:8080') }));
    };
    const signals = await new PodSignals({ fetch }).read([{ name: 'a', ip: '10.0.0.1' }, { name: 'b', ip: '10.0.0.2' }, { name: 'c', ip: '10.0.0.3' }, { name: 'd', ip: undefined }]);
    expect(signals).toEqual([
      { name: 'a', silent: 'HTTP 500' },
      { name: 'b', silent: 'no hare_consumer_messages_in_flight in its /metrics' },
      { name: 'c', silent: 'fetch failed: connect ECONNREFUSED 10.0.0.3:8080' },
      { name: 'd', silent: 'no pod IP' },
    ]);
  });

  it('cuts off an answer past maxBytes, reading no further', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => { pulled++; c.enqueue(new Uint8Array(1024).fill(35)); } });
    const fetch: Fetch = () => Promise.resolve({ ok: true, status: 200, body: endless });
    const [signal] = await new PodSignals({ fetch, maxBytes: 4096 }).read([{ name: 'a', ip: '10.0.0.1' }]);
    expect(signal).toEqual({ name: 'a', silent: 'answer larger than 4096 bytes' });
    expect(pulled).toBeLessThan(10);
  });

  it('gives up on a pod that does not answer within the timeout', async () => {
    const started = performance.now();
    const [signal] = await new PodSignals({ fetch: hang, timeoutMs: 50 }).read([{ name: 'a', ip: '10.0.0.1' }]);
    expect(signal).toEqual({ name: 'a', silent: 'no answer in time' });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps at most `concurrency` requests open across reads, and does not ask pods still queued at twice the timeout', async () => {
    let open = 0;
    let most = 0;
    let answering = false;
    const fetch: Fetch = (url, init) => {
      if (answering) return Promise.resolve(answer(gauge(1)));
      open++;
      most = Math.max(most, open);
      return hang(url, init).finally(() => open--);
    };
    const reader = new PodSignals({ fetch, timeoutMs: 40, concurrency: 2 });
    const pods = (prefix: string): { name: string; ip: string }[] => [1, 2, 3, 4, 5].map((i) => ({ name: `${prefix}${i}`, ip: `10.0.0.${i}` }));
    const started = performance.now();
    const [first, second] = await Promise.all([reader.read(pods('a')), reader.read(pods('b'))]);
    expect(most).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
    const all = [...first, ...second];
    expect(all.every((s) => 'silent' in s)).toBe(true);
    expect(all.filter((s) => 'silent' in s && s.silent.startsWith('not asked')).length).toBeGreaterThan(0);
    // the same reader's slots are all free again afterwards: every pod is asked and answers
    answering = true;
    expect((await reader.read(pods('c'))).every((s) => 'inFlight' in s)).toBe(true);
  });
});
