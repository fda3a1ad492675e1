// The points the kit checks, each judged from what the broker and the process show (nothing inside the image).
import type { ConsumeMessage } from 'amqplib';
import { ORIGIN_HEADERS, RETRY_HEADER } from '../../consumer-image/src/contract.ts';
import { deadQueueName, delayFor, delayQueueName } from '../../consumer-image/src/routing.ts';
import type { KitBroker, Swept } from './broker.ts';
import { connectionNames } from './broker.ts';
import type { Exit, Launched } from './launch.ts';
import type { TestPool } from './pool.ts';
import type { Point } from './report.ts';

export interface Subject {
  readonly broker: KitBroker;
  readonly pool: TestPool;
  readonly consumer: Launched;
  /** Set once the consumer has exited. */
  readonly exit: () => Exit | undefined;
  readonly now: () => number;
}

const pass = (name: string, required: boolean, detail: string): Point => ({ name, required, passed: true, detail });
const fail = (name: string, required: boolean, detail: string): Point => ({ name, required, passed: false, detail });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** Polls `ready` until it holds, the timeout passes or the consumer exits. */
export async function waitUntil(s: Subject, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = s.now() + timeoutMs;
  while (s.now() < deadline && s.exit() === undefined) {
    if (await ready()) return true;
    await sleep(100);
  }
  return ready();
}

export const exitText = (e: Exit): string => (e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${e.code}`);

export async function consuming(s: Subject, startedAt: number, timeoutMs: number): Promise<Point> {
  const name = 'consumes from HARE_QUEUE';
  const ok = await waitUntil(s, async () => ((await s.broker.queue(s.pool.queue))?.consumers ?? 0) > 0, timeoutMs);
  if (ok) return pass(name, true, `a consumer on '${s.pool.queue}' ${seconds(s.now() - startedAt)} after the start`);
  const exit = s.exit();
  if (exit !== undefined) return fail(name, true, `the process ${exitText(exit)} before consuming`);
  const q = await s.broker.queue(s.pool.queue);
  return fail(name, true, q === undefined ? `queue '${s.pool.queue}' not declared after ${seconds(timeoutMs)}` : `no consumer on '${s.pool.queue}' after ${seconds(timeoutMs)}`);
}

/** Publishes `n` plain messages through HARE_EXCHANGE; the verdict waits for the sweep after the exit. */
export async function ackBatch(s: Subject, n: number, timeoutMs: number): Promise<(swept: readonly Swept[]) => Point> {
  const name = 'acks what it handled';
  const ids = Array.from({ length: n }, (_, i) => `ack-${i}`);
  try {
    await s.broker.publish(s.pool.exchange, s.pool.queue, ids.map((id) => ({ id })));
  } catch (err) {
    const detail = `${err instanceof Error ? err.message : String(err)} (HARE_EXCHANGE must be bound to HARE_QUEUE with HARE_ROUTING_KEY)`;
    return () => fail(name, true, detail);
  }
  const started = s.now();
  const taken = await waitUntil(s, async () => (await s.broker.queue(s.pool.queue))?.messages === 0, timeoutMs);
  const took = s.now() - started;
  return (swept) => {
    const back = swept.filter((m) => ids.includes(m.id));
    if (!taken) return fail(name, true, `messages still ready in '${s.pool.queue}' ${seconds(timeoutMs)} after publishing ${n}`);
    if (back.length > 0) return fail(name, true, `${back.length} of ${n} were taken but returned to the queue when the consumer closed (never acked)`);
    return pass(name, true, `${n} messages published through '${s.pool.exchange}' were taken within ${seconds(took)} and none came back`);
  };
}

/** x-death[0].queue: where a dead-lettered copy last came from. */
const diedIn = (m: ConsumeMessage): unknown => (m.properties.headers?.['x-death'] as { queue?: unknown }[] | undefined)?.[0]?.queue;

/** A message failing twice goes <q>.delay.<d0> then <q>.delay.<d1> and comes back each time with retry_count n. */
export async function retries(s: Subject, tapped: readonly ConsumeMessage[], timeoutMs: number): Promise<(swept: readonly Swept[]) => Point> {
  const name = 'retries through the delay cascade';
  const { queue, retryDelaysMs } = s.pool;
  const published = await s.broker.publish(s.pool.exchange, queue, [{ id: 'retry-1', failTimes: 2 } as { id: string }]).then(() => '', String);
  if (published !== '') return () => fail(name, false, published);
  const hops = [0, 1].map((n) => ({ from: delayQueueName(queue, delayFor(n, retryDelaysMs)), count: n + 1 }));
  const back = (): ConsumeMessage[] => tapped.filter((m) => m.properties.messageId === 'retry-1' && diedIn(m) !== undefined);
  const arrived = await waitUntil(s, () => back().length >= hops.length, timeoutMs);
  return (swept) => {
    const seen = back().map((m) => `${String(diedIn(m))} with ${RETRY_HEADER}=${String(m.properties.headers?.[RETRY_HEADER])}`);
    const expected = hops.map((h) => `${h.from} with ${RETRY_HEADER}=${h.count}`);
    if (!arrived || seen.slice(0, 2).join(', ') !== expected.join(', ')) {
      return fail(name, false, `a message failing twice should come back from ${expected.join(', then ')}; seen: ${seen.length === 0 ? 'nothing' : seen.join(', ')}`);
    }
    const origin = back()[0]!.properties.headers ?? {};
    const where = [String(origin[ORIGIN_HEADERS.exchange]), String(origin[ORIGIN_HEADERS.routingKey])];
    if (where[0] !== s.pool.exchange || where[1] !== queue) {
      return fail(name, false, `the copy should carry ${ORIGIN_HEADERS.exchange}=${s.pool.exchange}, ${ORIGIN_HEADERS.routingKey}=${queue}; it carries ${where.join(', ')}`);
    }
    if (swept.some((m) => m.id === 'retry-1')) return fail(name, false, 'it came back twice but was not acked after succeeding');
    return pass(name, false, `back from ${expected.join(', then ')}, with its origin headers, then acked`);
  };
}

/** A message that always fails ends in <q>.dead with retry_count = HARE_RETRY_LIMIT. */
export async function deadLetters(s: Subject, timeoutMs: number): Promise<Point> {
  const name = 'dead-letters past HARE_RETRY_LIMIT';
  const dead = deadQueueName(s.pool.queue);
  const published = await s.broker.publish(s.pool.exchange, s.pool.queue, [{ id: 'dead-1', fail: true } as { id: string }]).then(() => '', String);
  if (published !== '') return fail(name, false, published);
  let found: Swept | undefined;
  await waitUntil(s, async () => (found ??= (await s.broker.sweep(dead).catch(() => [])).find((m) => m.id === 'dead-1')) !== undefined, timeoutMs);
  if (found === undefined) return fail(name, false, `an always-failing message did not reach '${dead}' within ${seconds(timeoutMs)}`);
  const count = found.headers[RETRY_HEADER];
  if (count !== s.pool.retryLimit) return fail(name, false, `it reached '${dead}' with ${RETRY_HEADER}=${String(count)}, expected ${s.pool.retryLimit}`);
  return pass(name, false, `in '${dead}' with ${RETRY_HEADER}=${s.pool.retryLimit}`);
}

export async function connectionName(s: Subject, managementUrl: string, timeoutMs: number): Promise<Point> {
  const name = 'connection named after HARE_POD_NAME';
  let error = '';
  const names = (): Promise<string[]> => connectionNames(managementUrl).catch((err: unknown) => ((error = String(err)), []));
  const named = await waitUntil(s, async () => (await names()).includes(s.pool.podName), timeoutMs);
  if (named) return pass(name, false, `the broker lists a connection named '${s.pool.podName}'`);
  return fail(name, false, error !== '' ? `could not ask the management API: ${error}` : `no connection named '${s.pool.podName}' (client property connection_name)`);
}

export async function endpoints(s: Subject): Promise<Point> {
  const name = 'http endpoints /healthz and /readyz on HARE_HTTP_PORT';
  const get = (path: string): Promise<number> =>
    fetch(`http://127.0.0.1:${s.pool.httpPort}${path}`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.status, () => 0);
  const [health, ready] = [await get('/healthz'), await get('/readyz')];
  if (health === 200 && ready === 200) return pass(name, false, 'both answer 200 while consuming');
  return fail(name, false, `GET /healthz: ${health || 'no answer'}, GET /readyz: ${ready || 'no answer'} (200 expected while consuming)`);
}
